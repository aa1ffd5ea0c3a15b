using System;
using Microsoft.Identity.Client;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>Checks, with MSAL itself and without any network call, that MSAL accepts an Entra ID registration.</summary>
    public static class EntraConfiguration
    {
        public static Uri AuthorityFor(AppRegistration registration) =>
            new Uri(registration.AuthorizationServer.TrimEnd('/') + "/" + (registration.TenantId ?? "organizations"));

        /// <summary>Builds a public client application for the registration; throws a PfaException naming what MSAL refused.</summary>
        public static string Validate(AppRegistration registration)
        {
            try
            {
                IPublicClientApplication application = PublicClientApplicationBuilder
                    .Create(registration.ClientId.ToString("D"))
                    .WithAuthority(AuthorityFor(registration).AbsoluteUri, validateAuthority: false)
                    .WithInstanceDiscovery(false)
                    .WithRedirectUri("http://localhost")
                    .Build();
                return application.Authority;
            }
            catch (ArgumentException ex)
            {
                throw new PfaException(ErrorIds.InvalidAuthority, PfaErrorKind.InvalidArgument, $"Microsoft Entra ID sign-in cannot use the authority '{AuthorityFor(registration)}': {ex.Message} Give an https authority (default https://login.microsoftonline.com) and a tenant ID or domain.", registration.AuthorizationServer, ex);
            }
        }
    }
}
