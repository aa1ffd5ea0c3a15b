using System;
using System.Collections.Generic;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>A started browser sign-in whose answer is still to come (the paste path): pending-authorization.json.</summary>
    public sealed class PendingAuthorization : StoredDocument
    {
        public const string DocumentKind = "pfa.azuredevops.pending-authorization";
        public const int CurrentVersion = 1;
        public const string FileName = "pending-authorization.json";
        public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

        public PendingAuthorization()
        {
            Kind = DocumentKind;
            SchemaVersion = CurrentVersion;
        }

        public Guid ClientId { get; set; }

        public string State { get; set; } = string.Empty;

        public string AuthorizationServer { get; set; } = string.Empty;

        public string CallbackUrl { get; set; } = string.Empty;

        public List<string> Scopes { get; set; } = new List<string>();

        public DateTimeOffset CreatedOn { get; set; }

        /// <summary>Entra ID confidential sign-in: the vault name of the PKCE code verifier (null for Azure DevOps OAuth).</summary>
        public string? CodeVerifierSecret { get; set; }

        public override void Validate()
        {
            if (ClientId == Guid.Empty || string.IsNullOrEmpty(State) || !Uri.TryCreate(CallbackUrl, UriKind.Absolute, out _) || !Uri.TryCreate(AuthorizationServer, UriKind.Absolute, out _))
            {
                throw new FormatException("it is incomplete");
            }

            Scopes ??= new List<string>();
            Rules.UrlRules.RequireStored(AuthorizationServer, "authorization server");
            Rules.UrlRules.RequireStored(CallbackUrl, "callback URL");
            if (CodeVerifierSecret != null)
            {
                StoredRules.RequireSecretName(CodeVerifierSecret, "code verifier");
            }
        }
    }
}
