using System;
using PfaAzureDevOps.Core.Ssh;

namespace PfaAzureDevOps.Core.AzureDevOps
{
    /// <summary>What Add did, besides the key: the expiry asked for may have been shortened.</summary>
    public sealed class SshKeyAddRequest
    {
        public SshKeyAddRequest(SshPublicKey key, string displayName, DateTimeOffset validTo)
        {
            Key = key;
            DisplayName = displayName;
            ValidTo = validTo;
        }

        public SshPublicKey Key { get; }

        public string DisplayName { get; }

        public DateTimeOffset ValidTo { get; }
    }
}
