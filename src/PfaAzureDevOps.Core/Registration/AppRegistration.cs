using System;
using System.Collections.Generic;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.Registration
{
    /// <summary>Which identity platform an instance's OAuth application lives on.</summary>
    public enum IdentityProvider
    {
        /// <summary>An Azure DevOps OAuth application (app.vsaex.visualstudio.com; being retired).</summary>
        AzureDevOps,

        /// <summary>A Microsoft Entra ID application (MSAL).</summary>
        EntraId,
    }

    /// <summary>The instance's OAuth application, as stored (registration.json). Never holds the secret itself.</summary>
    public sealed class AppRegistration : StoredDocument
    {
        public const string DocumentKind = "pfa.azuredevops.registration";
        public const int CurrentVersion = 1;
        public const string FileName = "registration.json";

        public AppRegistration()
        {
            Kind = DocumentKind;
            SchemaVersion = CurrentVersion;
        }

        public IdentityProvider Provider { get; set; }

        public Guid ClientId { get; set; }

        public string? TenantId { get; set; }

        public string InstanceUrl { get; set; } = string.Empty;

        public string CallbackUrl { get; set; } = string.Empty;

        public string AuthorizationServer { get; set; } = string.Empty;

        public List<string> Scopes { get; set; } = new List<string>();

        public DateTimeOffset RegisteredOn { get; set; }

        public DateTimeOffset UpdatedOn { get; set; }

        public string? RegisteredBy { get; set; }

        public DateTimeOffset? SecretExpiresOn { get; set; }

        /// <summary>
        /// AllUsers on Linux: the OS group whose members may use the client secret (a root:group 0640 copy in shared/),
        /// so the instance's ordinary users can connect. Null: the administrator only.
        /// </summary>
        public string? UserGroup { get; set; }

        /// <summary>The name of the secret in the scope's vault, or null for a public client.</summary>
        public string? ClientSecretName { get; set; }

        /// <summary>Entra ID confidential client with a certificate: its thumbprint in the CurrentUser\My store (optional).</summary>
        public string? CertificateThumbprint { get; set; }

        /// <summary>Entra ID confidential client with a certificate: its file (.pfx, or PEM with its key) (optional).</summary>
        public string? CertificatePath { get; set; }

        public override void Validate()
        {
            if (ClientId == Guid.Empty)
            {
                throw new FormatException("the client ID is missing");
            }

            if (!Enum.IsDefined(typeof(IdentityProvider), Provider))
            {
                throw new FormatException("its provider is not AzureDevOps or EntraId");
            }

            Uri instance = Rules.UrlRules.RequireStored(InstanceUrl, "instance URL");
            Rules.UrlRules.RequireStored(CallbackUrl, "callback URL");
            string expectedCallback;
            try
            {
                expectedCallback = RegistrationRules.CallbackFor(instance).AbsoluteUri;
            }
            catch (PfaException ex)
            {
                throw new FormatException($"its instance URL is not allowed ({ex.Message.TrimEnd('.')})");
            }

            if (!string.Equals(CallbackUrl, expectedCallback, StringComparison.OrdinalIgnoreCase))
            {
                // The callback is always derived from the instance URL; another one would send codes elsewhere.
                throw new FormatException("its callback URL is not the instance URL followed by /" + RegistrationRules.CallbackPath);
            }

            if (CertificatePath != null && !System.IO.Path.IsPathRooted(CertificatePath))
            {
                throw new FormatException("its certificate path is not a full path");
            }
            Rules.UrlRules.RequireStored(AuthorizationServer, "authorization server");
            if (ClientSecretName != null)
            {
                StoredRules.RequireSecretName(ClientSecretName, "client secret");
            }

            if (Scopes is null || Scopes.Count == 0)
            {
                throw new FormatException("it names no OAuth scope");
            }

            try
            {
                RegistrationRules.NormalizeScopes(Provider, Scopes);
            }
            catch (PfaException ex)
            {
                throw new FormatException($"an OAuth scope in it is not valid ({ex.Message.TrimEnd('.')})");
            }

            if (Scopes.Exists(string.IsNullOrWhiteSpace))
            {
                throw new FormatException("an OAuth scope in it is empty");
            }
        }
    }
}
