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

            Rules.UrlRules.RequireStored(InstanceUrl, "instance URL");
            Rules.UrlRules.RequireStored(CallbackUrl, "callback URL");
            Rules.UrlRules.RequireStored(AuthorizationServer, "authorization server");
            if (ClientSecretName != null)
            {
                StoredRules.RequireSecretName(ClientSecretName, "client secret");
            }

            if (Scopes is null || Scopes.Count == 0)
            {
                throw new FormatException("it names no OAuth scope");
            }
        }
    }
}
