using System.Management.Automation;

namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// The base of the Azure DevOps key cmdlets that also reach a git server over SSH (Test-PfaAzureDevOpsIntegration,
    /// Update-PfaSshKey): the organization and credential parameters of <see cref="AzDevOpsSshKeyCmdlet"/>, plus the
    /// host-key parameters (<see cref="SshHostKeyParameters"/>).
    /// </summary>
    public abstract class AzDevOpsSshHostCmdlet : AzDevOpsSshKeyCmdlet, IDynamicParameters
    {
        private readonly SshHostKeyParameters _hostKey = new SshHostKeyParameters();

        /// <summary>-HostKeyFingerprint and -KnownHostsPath.</summary>
        public object GetDynamicParameters() => _hostKey;

        /// <summary>The host key policy from -HostKeyFingerprint and -KnownHostsPath.</summary>
        protected Core.SshTransport.HostKeyPolicy CreateHostKeyPolicy() => _hostKey.CreatePolicy(this);
    }
}
