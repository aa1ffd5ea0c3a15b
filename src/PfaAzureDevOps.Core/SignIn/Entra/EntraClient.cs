using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>The one rule for what kind of Entra ID client a registration is.</summary>
    public static class EntraClient
    {
        /// <summary>
        /// A confidential client has a credential of its own (a client secret, or a certificate by thumbprint or file):
        /// its users sign in at the instance's callback with the authorization code + PKCE. Otherwise it is a public
        /// client (system browser with MSAL's loopback, or device code).
        /// </summary>
        public static bool IsConfidential(AppRegistration registration, bool hasCertificate = false) =>
            hasCertificate || registration.ClientSecretName != null || registration.CertificateThumbprint != null || registration.CertificatePath != null;
    }
}
