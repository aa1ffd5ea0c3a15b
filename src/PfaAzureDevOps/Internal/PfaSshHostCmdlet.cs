using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

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

        /// <summary>Runs a native git operation off the pipeline thread, with git's progress shown as PowerShell progress.</summary>
        protected Core.Git.GitCommandResult RunGit(string activity, Func<IProgress<string>, CancellationToken, Task<Core.Git.GitCommandResult>> run)
        {
            var progress = new SshModel.GitProgress(activity, OnPipeline, WriteProgress, () => StopToken.IsCancellationRequested);
            try
            {
                return RunOffPipeline(token => run(progress, token));
            }
            finally
            {
                WriteProgress(new ProgressRecord(2, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    }
}
