using System.Management.Automation;

namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// The host-key parameters of every cmdlet that reaches a git server over SSH, declared once: how the server's host
    /// key is pinned (the Azure DevOps fingerprint is built in; -HostKeyFingerprint or -KnownHostsPath for other hosts;
    /// never trust on first use). A cmdlet has one base class, and two of these cmdlets (Test-PfaAzureDevOpsIntegration,
    /// Update-PfaSshKey) need the Azure DevOps key cmdlets' base too, so the parameters live here and each cmdlet adds
    /// them as dynamic parameters (<see cref="PfaSshHostCmdlet"/>, <see cref="AzDevOpsSshHostCmdlet"/>).
    /// </summary>
    public sealed class SshHostKeyParameters
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? HostKeyFingerprint { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KnownHostsPath { get; set; }

        /// <summary>The host key policy from the parameters, with -KnownHostsPath resolved through the cmdlet's provider.</summary>
        internal Core.SshTransport.HostKeyPolicy CreatePolicy(PSCmdlet cmdlet)
        {
            string? knownHosts = KnownHostsPath is null ? null : SshModel.ResolveFileSystemPath(cmdlet, KnownHostsPath, nameof(KnownHostsPath));
            return Core.Git.GitRepositoryService.CreatePolicy(HostKeyFingerprint, knownHosts);
        }
    }
}
