using System;

namespace PfaAzureDevOps.Core.AzureDevOps
{
    /// <summary>One organization of a rotation: where the old key is registered, and how far the rotation got there.</summary>
    public sealed class SshKeyRotationTarget
    {
        public string Organization { get; set; } = string.Empty;

        public string OrganizationUrl { get; set; } = string.Empty;

        public string VsspsUrl { get; set; } = string.Empty;

        /// <summary>The old key's authorization id there.</summary>
        public Guid OldKeyId { get; set; }

        public DateTimeOffset? OldValidTo { get; set; }

        /// <summary>Set once the new key is registered there.</summary>
        public Guid? NewKeyId { get; set; }

        public DateTimeOffset? NewValidTo { get; set; }

        /// <summary>True once the old key is removed there.</summary>
        public bool OldRemoved { get; set; }

        public SshKeyEndpoints ToEndpoints() => new SshKeyEndpoints(Organization, new Uri(OrganizationUrl), new Uri(VsspsUrl));
    }
}
