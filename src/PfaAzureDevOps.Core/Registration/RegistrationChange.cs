using System;
using System.Collections.Generic;
using System.Text;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.Registration
{
    /// <summary>What Set-PfaAzureDevOpsApp changes; null leaves a value as it is.</summary>
    public sealed class RegistrationChange
    {
        public char[]? ClientSecret { get; set; }

        public DateTimeOffset? SecretExpiresOn { get; set; }

        public bool ClearSecretExpiry { get; set; }

        public IEnumerable<string>? Scopes { get; set; }

        public Uri? AuthorizationServer { get; set; }

        /// <summary>AllUsers on Linux: share the client secret with this OS group's members.</summary>
        public string? UserGroup { get; set; }
    }
}
