using System;
using System.Collections.Generic;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>The authority MSAL signs in against: {AuthorizationServer}/{tenant}, and whether to validate it.</summary>
    public static class EntraAuthority
    {
        /// <summary>The Microsoft cloud authority hosts, for which MSAL's instance discovery stays on.</summary>
        public static IReadOnlyCollection<string> KnownHosts => EntraHosts.Known;

        public static bool IsKnownHost(Uri authority) => EntraHosts.IsKnown(authority);

        /// <summary>The authority URL for a tenant (the registration's when null).</summary>
        public static Uri For(AppRegistration registration, string? tenant = null) =>
            For(registration.AuthorizationServer, tenant ?? registration.TenantId ?? "organizations");

        public static Uri For(string authorizationServer, string tenant)
        {
            string server = string.IsNullOrWhiteSpace(authorizationServer) ? RegistrationRules.DefaultEntraAuthority : authorizationServer.TrimEnd('/');
            if (!Uri.TryCreate(server + "/" + tenant, UriKind.Absolute, out Uri? uri) || uri.Scheme != Uri.UriSchemeHttps)
            {
                throw new PfaException(ErrorIds.InvalidAuthority, PfaErrorKind.InvalidArgument, $"Microsoft Entra ID sign-in needs an https authority; '{server}' is not one. Fix it with Set-PfaAzureDevOpsApp -AuthorizationServer (default {RegistrationRules.DefaultEntraAuthority}).", server);
            }

            return uri;
        }

        /// <summary>Instance discovery: the explicit setting, else on for known Microsoft hosts only.</summary>
        public static bool UseInstanceDiscovery(Uri authority, bool? setting) => setting ?? IsKnownHost(authority);
    }
}
