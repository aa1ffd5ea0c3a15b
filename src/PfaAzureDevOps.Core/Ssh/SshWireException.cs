using System;

namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>Thrown by <see cref="SshWireReader"/> on truncated or inconsistent data; callers turn it into a PfaException.</summary>
    internal sealed class SshWireException : Exception
    {
        public SshWireException(string message)
            : base(message)
        {
        }
    }
}
