using System;
using System.Collections.Generic;
using System.Text;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.Registration
{
    /// <summary>What Register-PfaAzureDevOpsApp asks for.</summary>
    public sealed class RegistrationRequest
    {
        public IdentityProvider Provider { get; set; }

        public Guid ClientId { get; set; }

        public string? TenantId { get; set; }

        public Uri? InstanceUrl { get; set; }

        public Uri? AuthorizationServer { get; set; }

        public IEnumerable<string>? Scopes { get; set; }

        /// <summary>The client secret as UTF-16 characters; the caller clears its copy afterwards.</summary>
        public char[]? ClientSecret { get; set; }

        public DateTimeOffset? SecretExpiresOn { get; set; }

        /// <summary>Entra ID confidential client: a certificate in the CurrentUser\My store instead of a secret.</summary>
        public string? CertificateThumbprint { get; set; }

        /// <summary>Entra ID confidential client: a certificate file (.pfx, or PEM with its key) instead of a secret.</summary>
        public string? CertificatePath { get; set; }

        public bool Force { get; set; }

        /// <summary>AllUsers on Linux: the OS group whose members may use the client secret.</summary>
        public string? UserGroup { get; set; }
    }
}
