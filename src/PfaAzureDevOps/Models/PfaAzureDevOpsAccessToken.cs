using System;
using System.Security;

namespace PfaAzureDevOps
{
    /// <summary>
    /// An access token with what a script needs to know about it (Get-PfaAzureDevOpsAccessToken -Detailed), in the
    /// manner of Get-AzAccessToken. The token itself is only ever a SecureString here.
    /// </summary>
    public sealed class PfaAzureDevOpsAccessToken
    {
        /// <summary>The access token (send it as 'Authorization: Bearer &lt;token&gt;').</summary>
        public SecureString Token { get; set; } = new SecureString();

        /// <summary>Always 'Bearer'.</summary>
        public string TokenType { get; set; } = "Bearer";

        /// <summary>When the token expires. Get-PfaAzureDevOpsAccessToken renews it when less than 5 minutes are left.</summary>
        public DateTimeOffset ExpiresOn { get; set; }

        /// <summary>Whether this call renewed the token.</summary>
        public bool Refreshed { get; set; }

        public string? UserId { get; set; }

        public string? UserDisplayName { get; set; }

        public string? UserEmail { get; set; }

        public string? Organization { get; set; }

        public Uri? OrganizationUrl { get; set; }

        /// <summary>AzureDevOps (an Azure DevOps OAuth application) or EntraId.</summary>
        public string Provider { get; set; } = string.Empty;

        /// <summary>
        /// How the token was obtained (the list view shows it for Entra ID only, as Get-PfaAzureDevOpsConnection does):
        /// AuthorizationCode (Azure DevOps OAuth, or Entra ID at the instance callback),
        /// Interactive, DeviceCode, AccessToken (given to Connect-PfaAzureDevOps; never renewed), ServicePrincipal or
        /// ManagedIdentity.
        /// </summary>
        public string Flow { get; set; } = string.Empty;

        /// <summary>The Entra tenant of the token, when known.</summary>
        public string? TenantId { get; set; }

        /// <summary>"Bearer token for Test User (expires 2026-12-01 16:50 UTC)": the time as every view of the module shows it.</summary>
        public override string ToString() => $"{TokenType} token for {UserDisplayName ?? UserId} (expires {ExpiresOn.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)} UTC)";
    }
}
