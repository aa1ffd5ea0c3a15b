using System;
using System.Collections.Generic;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>
    /// The user's Azure DevOps connection (connection.json in the CurrentUser store): who connected, where, with
    /// which application and scopes, and when the access token expires. The tokens themselves live in the
    /// vault under the names recorded here; a new generation of tokens always gets new names, so a reader
    /// (or a process killed mid-write) sees either the old complete set or the new one.
    /// </summary>
    public sealed class ConnectionDocument : StoredDocument
    {
        public const string DocumentKind = "pfa.azuredevops.connection";
        public const int CurrentVersion = 1;
        public const string FileName = "connection.json";

        /// <summary>Token storage recorded at write time: the vault's owner-only file fallback.</summary>
        public const string FileStorage = "file";

        /// <summary>Token storage recorded at write time: the platform's protected store.</summary>
        public const string ProtectedStorage = "protected";

        public ConnectionDocument()
        {
            Kind = DocumentKind;
            SchemaVersion = CurrentVersion;
        }

        public IdentityProvider Provider { get; set; }

        public Guid ClientId { get; set; }

        /// <summary>The scope (CurrentUser/AllUsers) of the registration that issued the tokens.</summary>
        public StateScope RegistrationScope { get; set; }

        public string UserId { get; set; } = string.Empty;

        public string? UserDisplayName { get; set; }

        public string? UserEmail { get; set; }

        public string? UserPublicAlias { get; set; }

        public string? Organization { get; set; }

        public string? OrganizationUrl { get; set; }

        public string? OrganizationId { get; set; }

        /// <summary>The organizations the Accounts API listed at sign-in (for choosing one and for tab completion); null when not looked up.</summary>
        public List<string>? KnownOrganizations { get; set; }

        public string ProfileUrl { get; set; } = string.Empty;

        public string AuthorizationServer { get; set; } = string.Empty;

        public string CallbackUrl { get; set; } = string.Empty;

        public List<string> Scopes { get; set; } = new List<string>();

        public DateTimeOffset ConnectedOn { get; set; }

        public DateTimeOffset? RefreshedOn { get; set; }

        public DateTimeOffset AccessTokenExpiresOn { get; set; }

        /// <summary>Counts token generations: 1 at connect, +1 per refresh.</summary>
        public long Generation { get; set; }

        public string AccessTokenSecret { get; set; } = string.Empty;

        public string RefreshTokenSecret { get; set; } = string.Empty;

        public string TokenStorage { get; set; } = ProtectedStorage;

        /// <summary>
        /// The refresh journal: the vault name the next refresh token is written to the moment it arrives, recorded before
        /// the refresh is sent. When that secret exists it is newer than <see cref="RefreshTokenSecret"/> (the process that
        /// refreshed died before recording the new generation) and is used instead.
        /// </summary>
        public string? PendingRefreshTokenSecret { get; set; }

        // ---- Microsoft Entra ID connections (optional; absent for Azure DevOps OAuth) ----

        /// <summary>How an Entra ID connection signed in: Interactive, DeviceCode, AuthorizationCode, AccessToken, ServicePrincipal, ManagedIdentity.</summary>
        public string? Flow { get; set; }

        /// <summary>The Entra tenant of the token (tid).</summary>
        public string? TenantId { get; set; }

        /// <summary>MSAL's home account identifier of the signed-in user (user flows), for silent renewal and sign-out.</summary>
        public string? EntraAccount { get; set; }

        /// <summary>Managed identity: the client ID of the user-assigned identity (null: system-assigned).</summary>
        public string? ManagedIdentityClientId { get; set; }

        /// <summary>Service principal: the vault name of its client secret.</summary>
        public string? ServicePrincipalSecret { get; set; }

        /// <summary>Service principal: the certificate's thumbprint (CurrentUser\My).</summary>
        public string? CertificateThumbprint { get; set; }

        /// <summary>Service principal: the certificate file (.pfx or PEM with its key).</summary>
        public string? CertificatePath { get; set; }

        public override void Validate()
        {
            // A connection made with a supplied access token (Flow AccessToken) may have no application behind it.
            bool suppliedToken = Flow == "AccessToken";
            if ((ClientId == Guid.Empty && !suppliedToken) || string.IsNullOrEmpty(UserId))
            {
                throw new FormatException("the application or the user is missing");
            }

            if (string.IsNullOrEmpty(AccessTokenSecret) || (string.IsNullOrEmpty(RefreshTokenSecret) && Provider != IdentityProvider.EntraId))
            {
                throw new FormatException("the token references are missing");
            }

            Scopes ??= new List<string>();
            if (!Enum.IsDefined(typeof(IdentityProvider), Provider) || !Enum.IsDefined(typeof(StateScope), RegistrationScope))
            {
                throw new FormatException("its provider or registration scope is not one this version knows");
            }

            StoredRules.RequireSecretName(AccessTokenSecret, "access token");
            if (!string.IsNullOrEmpty(RefreshTokenSecret))
            {
                StoredRules.RequireSecretName(RefreshTokenSecret, "refresh token");
            }

            if (ServicePrincipalSecret != null)
            {
                StoredRules.RequireSecretName(ServicePrincipalSecret, "service principal secret");
            }

            Rules.UrlRules.RequireStored(AuthorizationServer, "authorization server");
            Rules.UrlRules.RequireStored(CallbackUrl, "callback URL");
            Rules.UrlRules.RequireStored(ProfileUrl, "profile URL");
            if (OrganizationUrl != null)
            {
                Rules.UrlRules.RequireStored(OrganizationUrl, "organization URL");
            }

            if (OrganizationId != null && !Guid.TryParse(OrganizationId, out _))
            {
                throw new FormatException("its organization id is not a GUID");
            }
        }
    }
}
