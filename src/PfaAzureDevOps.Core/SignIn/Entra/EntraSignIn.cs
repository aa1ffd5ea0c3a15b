using System;
using System.Linq;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>
    /// What the Entra ID providers, the renewal and the sign-out share: the first check of a sign-in, the token provider of
    /// a registration (with its certificate), a service principal's credential, the flow a connection was made with.
    /// </summary>
    internal static class EntraSignIn
    {
        /// <summary>What every Entra ID provider does first: checks the organization URL and says which application signs in.</summary>
        public static void Describe(SignInContext context, ISignInUser user)
        {
            AppRegistration registration = context.RequireRegistration();
            ConnectOptions options = context.Request.Options;
            AzureDevOpsUrls.Organization(options.Organization, options.OrganizationUrl, registration.AuthorizationServer);
            bool confidential = EntraClient.IsConfidential(registration);
            user.Verbose($"Microsoft Entra ID application {registration.ClientId} ({context.RequireRegistrations().Store.Scope}, {(confidential ? "confidential" : "public")} client); authority {EntraAuthority.For(registration)}; scopes {string.Join(" ", registration.Scopes.ToArray())}.");
        }

        public static EntraTokenProviderOptions Options(Action<string>? log) => new EntraTokenProviderOptions { Verbose = log };

        /// <summary>The token provider of the registration; its certificate (if it has one) signs the confidential flows.</summary>
        public static EntraTokenProvider TokenProvider(RegistrationService registrations, AppRegistration registration, Action<string>? log) =>
            TokenProvider(registrations, registration, Options(log));

        public static EntraTokenProvider TokenProvider(RegistrationService registrations, AppRegistration registration, EntraTokenProviderOptions options)
        {
            if (!string.IsNullOrEmpty(registration.CertificatePath))
            {
                options.ClientCertificate = CertificateLoader.FromFile(registration.CertificatePath!, null);
            }
            else if (!string.IsNullOrEmpty(registration.CertificateThumbprint))
            {
                options.ClientCertificate = CertificateLoader.FromStore(registration.CertificateThumbprint!, System.Security.Cryptography.X509Certificates.StoreLocation.CurrentUser);
            }

            return EntraTokenProvider.Create(registrations, registration, options);
        }

        /// <summary>A service principal's credential: a certificate file, a store certificate, else the client secret.</summary>
        public static ServicePrincipalCredential Credential(Guid clientId, string tenant, char[]? secret, string? thumbprint, string? path)
        {
            if (!string.IsNullOrEmpty(path))
            {
                return ServicePrincipalCredential.FromCertificateFile(clientId, tenant, path!);
            }

            if (!string.IsNullOrEmpty(thumbprint))
            {
                return ServicePrincipalCredential.FromCertificateStore(clientId, tenant, thumbprint!);
            }

            if (secret is null || secret.Length == 0)
            {
                throw new PfaException(ErrorIds.ClientSecretRequired, PfaErrorKind.InvalidArgument, "A service principal signs in with -ClientSecret, -CertificateThumbprint or -CertificatePath.", "ClientSecret");
            }

            return ServicePrincipalCredential.FromSecret(clientId, tenant, secret);
        }

        /// <summary>The flow a connection document was made with (Interactive when it does not say).</summary>
        public static EntraFlow ParseFlow(string? flow) =>
            Enum.TryParse(flow, ignoreCase: true, out EntraFlow parsed) ? parsed : EntraFlow.Interactive;
    }
}
