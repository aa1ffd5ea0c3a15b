using System;

namespace PfaAzureDevOps
{
    /// <summary>The instance's registered OAuth application. It never carries the client secret.</summary>
    public sealed class PfaAzureDevOpsApp
    {
        public string Provider { get; set; } = string.Empty;

        public Guid ClientId { get; set; }

        public string? TenantId { get; set; }

        public Uri? InstanceUrl { get; set; }

        /// <summary>The authorization callback URL: the instance URL followed by /oauth2/azureDevOps.</summary>
        public Uri? CallbackUrl { get; set; }

        public Uri? AuthorizationServer { get; set; }

        public string[] OAuthScope { get; set; } = Array.Empty<string>();

        public string Scope { get; set; } = string.Empty;

        public DateTimeOffset RegisteredOn { get; set; }

        public DateTimeOffset UpdatedOn { get; set; }

        public string? RegisteredBy { get; set; }

        public bool HasClientSecret { get; set; }

        public DateTimeOffset? SecretExpiresOn { get; set; }

        /// <summary>Whole days until the client secret expires (negative once it has), or null when unknown.</summary>
        public int? SecretExpiresInDays { get; set; }

        /// <summary>How the client secret is kept at rest.</summary>
        public string? SecretProtection { get; set; }

        /// <summary>AllUsers on Linux: the OS group whose members may use the client secret to connect; null: the administrator only.</summary>
        public string? UserGroup { get; set; }

        /// <summary>The state file that holds this registration.</summary>
        public string? Path { get; set; }

        public override string ToString() => $"{Provider} {ClientId} for {InstanceUrl}";
    }

    /// <summary>What to enter on the identity platform's registration page for an instance.</summary>
    public sealed class PfaAppRegistrationGuide
    {
        public string Provider { get; set; } = string.Empty;

        public Uri? RegistrationPage { get; set; }

        public string? CompanyName { get; set; }

        public string? ApplicationName { get; set; }

        public Uri? ApplicationWebsite { get; set; }

        public Uri? AuthorizationCallbackUrl { get; set; }

        public string[] AuthorizedScopes { get; set; } = Array.Empty<string>();

        public string? SupportedAccountTypes { get; set; }

        public string? RedirectPlatform { get; set; }

        public string[] ApiPermissions { get; set; } = Array.Empty<string>();

        public string[] NextSteps { get; set; } = Array.Empty<string>();

        public bool BrowserOpened { get; set; }

        /// <summary>What happened with the browser, and why when it was not opened.</summary>
        public string? BrowserNote { get; set; }
    }
}
