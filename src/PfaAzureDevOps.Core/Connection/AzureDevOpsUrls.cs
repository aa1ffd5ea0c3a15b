using System;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>The Azure DevOps base URLs a connection uses, each overridable (on-premises servers, test servers).</summary>
    public static class AzureDevOpsUrls
    {
        public const string HostedOrganizationBase = "https://dev.azure.com";

        /// <summary>The profile service: by default the registration's authorization server (app.vssps.visualstudio.com on the hosted service).</summary>
        public static Uri Profile(Uri? overrideUrl, string authorizationServer) =>
            Normalize(overrideUrl ?? new Uri(authorizationServer), "profile URL");

        /// <summary>
        /// The organization: -OrganizationUrl when given; else https://dev.azure.com/{org} for the hosted authorization
        /// server, and {authorization server}/{org} for any other server (one origin serving every host).
        /// </summary>
        public static Uri? Organization(string? organization, Uri? overrideUrl, string authorizationServer)
        {
            if (overrideUrl != null)
            {
                return Normalize(overrideUrl, "organization URL");
            }

            if (string.IsNullOrWhiteSpace(organization))
            {
                return null;
            }

            string name = organization!.Trim();
            if (name.IndexOfAny(new[] { '/', '?', '#', ' ', '\\', ':' }) >= 0)
            {
                throw new PfaException(ErrorIds.InvalidOrganization, PfaErrorKind.InvalidArgument, $"'{name}' is not an organization name. Give the name only (for example 'contoso' for https://dev.azure.com/contoso), or the full URL with -OrganizationUrl.", name);
            }

            string baseUrl = string.Equals(authorizationServer.TrimEnd('/'), RegistrationRules.DefaultAzureDevOpsAuthorizationServer, StringComparison.OrdinalIgnoreCase)
                    || Uri.TryCreate(authorizationServer, UriKind.Absolute, out Uri? server) && EntraHosts.IsKnown(server)
                ? HostedOrganizationBase
                : authorizationServer.TrimEnd('/');
            return new Uri(baseUrl + "/" + Uri.EscapeDataString(name));
        }

        /// <summary>The organization name from a URL (its last path segment, or the host's first label for *.visualstudio.com).</summary>
        public static string NameFrom(Uri organizationUrl)
        {
            string path = organizationUrl.AbsolutePath.Trim('/');
            if (path.Length > 0)
            {
                int slash = path.LastIndexOf('/');
                return Uri.UnescapeDataString(slash < 0 ? path : path.Substring(slash + 1));
            }

            string host = organizationUrl.Host;
            int dot = host.IndexOf('.');
            return dot < 0 ? host : host.Substring(0, dot);
        }

        private static Uri Normalize(Uri url, string what)
        {
            Uri normalized = RegistrationRules.NormalizeServerUrl(url, what);
            return new Uri(normalized.AbsoluteUri.TrimEnd('/'));
        }
    }
}
