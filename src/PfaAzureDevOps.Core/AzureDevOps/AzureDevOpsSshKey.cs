using System;
using PfaAzureDevOps.Core.Ssh;

namespace PfaAzureDevOps.Core.AzureDevOps
{
    /// <summary>An SSH public key as Azure DevOps holds it (a session token with isPublic=true).</summary>
    public sealed class AzureDevOpsSshKey
    {
        public Guid AuthorizationId { get; set; }

        public string DisplayName { get; set; } = string.Empty;

        /// <summary>The public key line as stored (publicData).</summary>
        public string? PublicData { get; set; }

        public string? Md5Fingerprint { get; set; }

        public string? Sha256Fingerprint { get; set; }

        public DateTimeOffset? ValidFrom { get; set; }

        public DateTimeOffset? ValidTo { get; set; }

        public bool IsValid { get; set; }

        public string Organization { get; set; } = string.Empty;

        /// <summary>True when Add found this key already registered instead of adding it.</summary>
        public bool AlreadyPresent { get; set; }

        public SshPublicKey? TryParse()
        {
            if (string.IsNullOrWhiteSpace(PublicData))
            {
                return null;
            }

            try
            {
                return SshPublicKey.Parse(PublicData!);
            }
            catch (PfaException)
            {
                return null;
            }
        }
    }
}
