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
