using System.Management.Automation;

namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// The one place that turns the host-key parameters (<see cref="IHostKeyParameters"/>) into a policy: the Azure DevOps
    /// fingerprint is built in; -HostKeyFingerprint or -KnownHostsPath for other hosts; never trust on first use.
    /// </summary>
    internal static class SshHostKey
    {
        /// <summary>The host key policy from the cmdlet's host-key parameters, with -KnownHostsPath resolved through its provider.</summary>
        public static Core.SshTransport.HostKeyPolicy CreateHostKeyPolicy<TCmdlet>(this TCmdlet cmdlet)
            where TCmdlet : PSCmdlet, IHostKeyParameters
        {
            string? knownHosts = cmdlet.KnownHostsPath is null ? null : SshModel.ResolveFileSystemPath(cmdlet, cmdlet.KnownHostsPath, nameof(IHostKeyParameters.KnownHostsPath));
            return Core.Git.GitRepositoryService.CreatePolicy(cmdlet.HostKeyFingerprint, knownHosts);
        }
    }
}
