using System;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>What Connect-PfaAzureDevOps was told about where to look.</summary>
    public sealed class ConnectOptions
    {
        public string? Organization { get; set; }

        public Uri? OrganizationUrl { get; set; }

        public Uri? ProfileUrl { get; set; }
    }
}
