using System;

namespace PfaAzureDevOps
{
    /// <summary>The current user's Azure DevOps connection. It never carries a token.</summary>
    public sealed class PfaAzureDevOpsConnection
    {
        public string? UserId { get; set; }

        public string? UserDisplayName { get; set; }

        public string? UserEmail { get; set; }

        public string? Organization { get; set; }

        public Uri? OrganizationUrl { get; set; }

        /// <summary>The organization's instance ID (from connectionData), when an organization was given.</summary>
        public Guid? OrganizationId { get; set; }

        /// <summary>The organizations Azure DevOps listed for you at sign-in (empty when it could not say).</summary>
        public string[] KnownOrganizations { get; set; } = Array.Empty<string>();

        public string Provider { get; set; } = string.Empty;

        /// <summary>The client ID of the application that issued the tokens.</summary>
        public Guid ClientId { get; set; }

        public string[] OAuthScope { get; set; } = Array.Empty<string>();

        public Uri? AuthorizationServer { get; set; }

        public Uri? ProfileUrl { get; set; }

        public DateTimeOffset ConnectedOn { get; set; }

        public DateTimeOffset? RefreshedOn { get; set; }

        public DateTimeOffset AccessTokenExpiresOn { get; set; }

        /// <summary>False once the access token has expired; Get-PfaAzureDevOpsAccessToken then refreshes it.</summary>
        public bool AccessTokenValid { get; set; }

        /// <summary>How the tokens are kept at rest.</summary>
        public string? TokenProtection { get; set; }

        /// <summary>Microsoft Entra ID: how the connection signed in (Interactive, DeviceCode, AuthorizationCode, AccessToken, ServicePrincipal, ManagedIdentity); null for Azure DevOps OAuth.</summary>
        public string? Flow { get; set; }

        /// <summary>Microsoft Entra ID: the tenant of the token.</summary>
        public string? TenantId { get; set; }

        /// <summary>The state file that holds this connection.</summary>
        public string? Path { get; set; }

        public override string ToString() => $"{UserDisplayName} ({UserEmail}){(Organization != null ? " @ " + Organization : string.Empty)}";
    }
}
