using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// The base of the cmdlets that reach a git server over SSH: how its host key is pinned (the Azure DevOps
    /// fingerprint is built in; -HostKeyFingerprint or -KnownHostsPath for other hosts; never trust on first use), the
    /// clone-access proof, and native git with progress.
    /// </summary>
    public abstract class PfaSshHostCmdlet : PfaCmdlet, IHostKeyParameters
    {
        // The host-key parameters, declared the same way in AzDevOpsSshHostCmdlet: a cmdlet has one base class (Help.Tests.ps1 checks they match);
        // SshHostKey.CreateHostKeyPolicy turns them into the policy.
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? HostKeyFingerprint { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KnownHostsPath { get; set; }

        /// <summary>
        /// The clone-access proof (Test-PfaAzureDevOpsSshAccess, and Connect-PfaAzureDevOps -RepositoryUrl): connects with
        /// the stored key under the host key policy, reads the refs with progress, and remembers a URL that worked for tab
        /// completion. A refused check is not thrown: it comes back as the result with its error. With
        /// <paramref name="keyJustAdded"/> a refusal of the key is tried again for a few seconds (the service may need a
        /// moment before SSH accepts a key added moments ago); no other failure is.
        /// </summary>
        protected PfaSshAccessResult CheckAccess(string repositoryUrl, TimeSpan timeout, out Core.PfaException? error, bool keyJustAdded = false)
        {
            Core.Git.GitSshUrl url = Core.Git.GitRepositoryService.ParseUrl(repositoryUrl);
            Core.SshTransport.HostKeyPolicy policy = this.CreateHostKeyPolicy();
            var keys = new Core.Ssh.SshKeyStore();
            Core.Ssh.StoredSshKey key = keys.GetRequired();
            var service = new Core.Git.GitRepositoryService(keys);
            WriteVerbose($"Checking read access to {url} as '{url.User}' with SSH key {key.Sha256Fingerprint} (timeout {timeout.TotalSeconds:0.##} s).");
            string status = $"Asking {url.Host} for the refs of {url.Path}";
            Core.Git.GitAccessResult result = RunWithProgress("Checking clone access over SSH", () => status, token => keyJustAdded
                ? service.TestNewKeyAccessAsync(url, policy, timeout, Core.Git.GitRepositoryService.NewKeyPatience, (attempt, wait) =>
                {
                    status = $"New key not accepted yet; try {attempt} in {wait.TotalSeconds:0} s"; // fits beside the activity at 80 columns
                    OnPipeline(() => WriteVerbose($"{url.Host} refused the key added moments ago; trying again in {wait.TotalSeconds:0} s (try {attempt})."));
                }, token)
                : service.TestAccessAsync(url, policy, timeout, token));
            if (result.HostKeyFingerprint != null)
            {
                WriteVerbose($"Host key: {result.HostKeyFingerprint}.");
            }

            if (result.Success)
            {
                Core.Storage.RecentValues.Remember(Core.Storage.RecentValues.Repositories, new[] { Completion.Item(repositoryUrl.Trim(), $"{repositoryUrl.Trim()} (access checked {UserMessages.Date(DateTimeOffset.UtcNow)})") });
            }

            error = result.Error;
            return SshModel.ToOutput(result, key.Sha256Fingerprint);
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
