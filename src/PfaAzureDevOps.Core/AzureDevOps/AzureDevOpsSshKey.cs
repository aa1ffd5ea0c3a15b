using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Rest;
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
