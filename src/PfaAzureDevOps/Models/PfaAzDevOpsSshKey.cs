using System;

namespace PfaAzureDevOps
{
    /// <summary>
    /// An SSH public key as Azure DevOps holds it for the signed-in user in one organization
    /// (Add-, Get- and Remove-AzDevOpsSshKey). Its string form is the description.
    /// </summary>
    public sealed class PfaAzDevOpsSshKey
    {
        /// <summary>The key's authorization id in Azure DevOps (what Remove-AzDevOpsSshKey -Id takes).</summary>
        public Guid Id { get; set; }

        public string Description { get; set; } = string.Empty;

        public string Organization { get; set; } = string.Empty;

        /// <summary>Hex pairs joined by ':', as the Azure DevOps web page shows it.</summary>
        public string? Md5Fingerprint { get; set; }

        /// <summary><c>SHA256:...</c>, as <c>ssh-keygen -l</c> prints it.</summary>
        public string? Sha256Fingerprint { get; set; }

        public DateTimeOffset? ValidFrom { get; set; }

        public DateTimeOffset? ValidTo { get; set; }

        /// <summary>Whole days until the key expires (negative once expired); null when Azure DevOps gave no date.</summary>
        public int? DaysLeft { get; set; }

        /// <summary>False once the key expired (Azure DevOps then refuses it).</summary>
        public bool IsValid { get; set; }

        /// <summary>True when this is the key New-PfaSshKey stored for the current user on this machine.</summary>
        public bool IsLocalKey { get; set; }

        /// <summary>Add-AzDevOpsSshKey: true when the key was already registered and nothing was added.</summary>
        public bool AlreadyPresent { get; set; }

        /// <summary>The public key line as Azure DevOps holds it.</summary>
        public string? PublicKey { get; set; }

        public override string ToString() => Description;
    }

    /// <summary>The outcome of one check of Test-PfaAzureDevOpsIntegration.</summary>
    public enum PfaCheckResult
    {
        Pass,
        Warn,
        Fail,
    }

    /// <summary>One check of Test-PfaAzureDevOpsIntegration: its name, the outcome and what to do.</summary>
    public sealed class PfaIntegrationCheck
    {
        /// <summary>AppRegistered, ClientSecret, UserConnected, TokenRefreshable, SshKeyPresent, SshKeyRegistered or CloneAccess.</summary>
        public string Name { get; set; } = string.Empty;

        public string Result { get; set; } = string.Empty;

        /// <summary>What was found and, unless it passed, what to do.</summary>
        public string Message { get; set; } = string.Empty;

        /// <summary>What was checked: the repository URL for CloneAccess, the organization for SshKeyRegistered; otherwise null.</summary>
        public string? Target { get; set; }

        /// <summary>The stable error id behind a failure, when there is one.</summary>
        public string? ErrorId { get; set; }

        public override string ToString() => $"{Name}: {Result}: {Message}";
    }
}

namespace PfaAzureDevOps
{
    /// <summary>The outcome of Update-PfaSshKey: which key replaced which, where, and how long the key in use is valid.</summary>
    public sealed class PfaSshKeyRotation
    {
        /// <summary>Rotated (the key was replaced everywhere, or a pending rotation was finished), or NotDue (-ExpiringWithinDays: more days left than that, so nothing was done).</summary>
        public string Status { get; set; } = string.Empty;

        /// <summary>The key in use before (MD5, as Azure DevOps shows it).</summary>
        public string OldMd5Fingerprint { get; set; } = string.Empty;

        /// <summary>The key in use now; null when nothing was rotated.</summary>
        public string? NewMd5Fingerprint { get; set; }

        public string? NewSha256Fingerprint { get; set; }

        /// <summary>The organizations where the old key was replaced (or, NotDue, where it is registered).</summary>
        public string[] Organizations { get; set; } = Array.Empty<string>();

        /// <summary>The repositories the new key proved it can clone before it replaced the old one.</summary>
        public string[] RepositoriesChecked { get; set; } = Array.Empty<string>();

        /// <summary>When the key in use expires (the earliest among the organizations).</summary>
        public DateTimeOffset? ValidTo { get; set; }

        /// <summary>Whole days until then.</summary>
        public int? DaysLeft { get; set; }

        /// <summary>True when this run finished a rotation an earlier run had begun.</summary>
        public bool Resumed { get; set; }

        public override string ToString() => Status == "Rotated"
            ? $"Rotated MD5:{OldMd5Fingerprint} -> MD5:{NewMd5Fingerprint} in {string.Join(", ", Organizations)}"
            : $"Not due: MD5:{OldMd5Fingerprint} has {DaysLeft} days left";
    }
}
