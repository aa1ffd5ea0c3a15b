using System.Management.Automation;

namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// The base of the cmdlets that reach a git server over SSH: how its host key is pinned (the Azure DevOps
    /// fingerprint is built in; -HostKeyFingerprint or -KnownHostsPath for other hosts; never trust on first use).
    /// </summary>
    public abstract class PfaSshHostCmdlet : PfaCmdlet
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? HostKeyFingerprint { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KnownHostsPath { get; set; }

        /// <summary>The host key policy from the parameters, with -KnownHostsPath resolved through the provider.</summary>
        protected Core.Git.HostKeyPolicy CreateHostKeyPolicy()
        {
            string? knownHosts = KnownHostsPath is null ? null : SshModel.ResolveFileSystemPath(this, KnownHostsPath, nameof(KnownHostsPath));
            return Core.Ssh.SshRepositoryService.CreatePolicy(HostKeyFingerprint, knownHosts);
        }
    }
}
