using System;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.SignIn;

namespace PfaAzureDevOps.Internal
{
    /// <summary>Conversions between the engine's connection and the cmdlets' output type.</summary>
    internal static class ConnectionModel
    {
        public static PfaAzureDevOpsConnection ToOutput(ConnectionDocument document, UserConnection service, DateTimeOffset now) => new PfaAzureDevOpsConnection
        {
            UserId = document.UserId,
            UserDisplayName = document.UserDisplayName,
            UserEmail = document.UserEmail,
            Organization = document.Organization,
            OrganizationUrl = document.OrganizationUrl != null ? new Uri(document.OrganizationUrl) : null,
            OrganizationId = Guid.TryParse(document.OrganizationId, out Guid id) ? id : (Guid?)null,
            KnownOrganizations = document.KnownOrganizations?.ToArray() ?? Array.Empty<string>(),
            Provider = (document.Provider == IdentityProvider.EntraId ? PfaIdentityProvider.EntraId : PfaIdentityProvider.AzureDevOps).ToString(),
            ClientId = document.ClientId,
            OAuthScope = document.Scopes.ToArray(),
            AuthorizationServer = new Uri(document.AuthorizationServer),
            ProfileUrl = new Uri(document.ProfileUrl),
            ConnectedOn = document.ConnectedOn,
            RefreshedOn = document.RefreshedOn,
            AccessTokenExpiresOn = document.AccessTokenExpiresOn,
            AccessTokenValid = document.AccessTokenExpiresOn > now,
            TokenProtection = document.TokenStorage == ConnectionDocument.FileStorage
                ? "an owner-only file, not encrypted (no keyring in this session)"
                : service.Vault.ProtectionDescription,
            Flow = document.Flow,
            TenantId = document.TenantId,
            Path = service.DocumentPath,
        };
    }
}
