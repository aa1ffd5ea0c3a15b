using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>
    /// The vault names of MSAL's token caches, part of the connection's storage (no MSAL types here, so sign-out and replacement can drop a cache without
    /// loading MSAL): one user-token cache per app and authority host, one app-token cache per service principal and host.
    /// </summary>
    public static class MsalCacheNames
    {
        public const string Prefix = "entra-msal-";
        private const string UserPrefix = Prefix + "user-";
        private const string AppPrefix = Prefix + "app-";

        public static string User(Guid clientId, Uri authority) => Name(UserPrefix, clientId, authority);

        public static string App(Guid clientId, Uri authority) => Name(AppPrefix, clientId, authority);

        /// <summary>The caches a stored connection's renewals read and write (none for the Azure DevOps provider, an access token or a managed identity).</summary>
        public static IReadOnlyList<string> ForConnection(ConnectionDocument document)
        {
            var names = new List<string>();
            if (document.Provider != IdentityProvider.EntraId || !Uri.TryCreate(document.AuthorizationServer, UriKind.Absolute, out Uri? authority))
            {
                return names;
            }

            string flow = document.Flow ?? string.Empty;
            if (string.Equals(flow, "ServicePrincipal", StringComparison.OrdinalIgnoreCase))
            {
                names.Add(App(document.ClientId, authority));
            }
            else if (!string.Equals(flow, "AccessToken", StringComparison.OrdinalIgnoreCase) && !string.Equals(flow, "ManagedIdentity", StringComparison.OrdinalIgnoreCase))
            {
                names.Add(User(document.ClientId, authority));
            }

            return names;
        }

        private static string Name(string prefix, Guid clientId, Uri authority)
        {
            // MSAL keys its cache by host without the port, so two authorities on one host would share it: the port is in the name.
            string host = authority.IsDefaultPort ? authority.Host : authority.Host + "-" + authority.Port.ToString(CultureInfo.InvariantCulture);
            var safe = new StringBuilder();
            foreach (char ch in host)
            {
                safe.Append(char.IsLetterOrDigit(ch) || ch == '-' ? ch : '-');
            }

            return prefix + clientId.ToString("N") + "-" + safe;
        }
    }
}
