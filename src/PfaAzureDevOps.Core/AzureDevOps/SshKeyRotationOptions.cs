using System;
using System.Collections.Generic;
using System.Threading;
using PfaAzureDevOps.Core.Git;
using PfaAzureDevOps.Core.SshTransport;

namespace PfaAzureDevOps.Core.AzureDevOps
{
    /// <summary>The choices of a rotation.</summary>
    public sealed class SshKeyRotationOptions
    {
        /// <summary>The new key's description in Azure DevOps.</summary>
        public string Description { get; set; } = string.Empty;

        /// <summary>The new key's expiry.</summary>
        public DateTimeOffset ValidTo { get; set; }

        /// <summary>The new key's comment; default the old key's.</summary>
        public string? Comment { get; set; }

        /// <summary>Repositories the new key must be able to clone before it replaces the old one.</summary>
        public IReadOnlyList<GitSshUrl> Repositories { get; set; } = Array.Empty<GitSshUrl>();

        public HostKeyPolicy? HostKeyPolicy { get; set; }

        public TimeSpan Timeout { get; set; } = GitSshAccessChecker.DefaultTimeout;
    }
}
