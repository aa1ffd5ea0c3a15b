using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Fetches a branch into an existing clone over SSH with the current user's stored key, using the native git client.</para>
    /// </summary>
    [Cmdlet(VerbsData.Update, "PfaAzureDevOpsRepository", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(PfaGitRepository))]
    public sealed class UpdatePfaAzureDevOpsRepositoryCommand : PfaSshHostCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Branch { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? Depth { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RepositoryUrlCompleter))]
        public string? RepositoryUrl { get; set; }

        protected override void ProcessRecordCore()
        {
            string path = Path is null ? SessionState.Path.CurrentFileSystemLocation.ProviderPath : SshModel.ResolveFileSystemPath(this, Path, nameof(Path));
            Core.SshTransport.HostKeyPolicy policy = this.CreateHostKeyPolicy();
            var keys = new Core.Ssh.SshKeyStore();
            Core.Ssh.StoredSshKey key = keys.GetRequired();
            Core.Git.GitSshUrl url = RepositoryUrl != null
                ? Core.Git.GitRepositoryService.ParseUrl(RepositoryUrl)
                : RunOffPipeline(token => Core.Git.GitRepositoryService.GetOriginUrlAsync(path, token));
            string what = Branch is null ? "the current branch" : $"branch '{Branch}'";
            if (!ShouldProcess(path, $"Fetch {what} from {url}"))
            {
                return;
            }

            WriteVerbose($"Fetching {what} from {url} into '{path}' with SSH key {key.Sha256Fingerprint}.");
            var service = new Core.Git.GitRepositoryService(keys);
            Core.Git.GitCommandResult result = RunGit($"Fetching from {url}", (progress, token) => service.FetchAsync(path, url, policy, Branch, Depth, token, progress));

            WriteVerbose($"Fetched {result.Branch} at {result.CommitId} (origin/{result.Branch}) in {result.Elapsed.TotalSeconds:0.0} s. The working tree is unchanged: merge with 'git merge --ff-only origin/{result.Branch}'.");
            WriteObject(SshModel.ToOutput(result, url));
        }
    }
}
