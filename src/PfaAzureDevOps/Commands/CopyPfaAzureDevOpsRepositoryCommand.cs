using System;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Clones a repository over SSH with the current user's stored key, using the native git client.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Copy, "PfaAzureDevOpsRepository", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PfaGitRepository))]
    public sealed class CopyPfaAzureDevOpsRepositoryCommand : PfaSshHostCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("SshUrl")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RepositoryUrlCompleter))]
        public string RepositoryUrl { get; set; } = null!;

        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Destination { get; set; } = null!;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Branch { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? Depth { get; set; }

        protected override void ProcessRecordCore()
        {
            Core.Git.GitSshUrl url = Core.Git.GitRepositoryService.ParseUrl(RepositoryUrl);
            string destination = SshModel.ResolveFileSystemPath(this, Destination, nameof(Destination));
            Core.SshTransport.HostKeyPolicy policy = this.CreateHostKeyPolicy();
            var keys = new Core.Ssh.SshKeyStore();
            Core.Ssh.StoredSshKey key = keys.GetRequired();
            string what = Branch is null ? url.ToString() : $"branch '{Branch}' of {url}";
            if (!ShouldProcess(destination, $"Clone {what}"))
            {
                return;
            }

            WriteVerbose($"Cloning {what} into '{destination}' with SSH key {key.Sha256Fingerprint}.");
            var service = new Core.Git.GitRepositoryService(keys);
            Core.Git.GitCommandResult result = RunGit($"Cloning {url}", (progress, token) => service.CloneAsync(url, destination, policy, Branch, Depth, token, progress));

            WriteVerbose($"Cloned {result.Branch ?? "(detached HEAD)"} at {result.CommitId} in {result.Elapsed.TotalSeconds:0.0} s.");
            Core.Storage.RecentValues.Remember(Core.Storage.RecentValues.Repositories, new[] { Completion.Item(RepositoryUrl.Trim(), $"{RepositoryUrl.Trim()} (cloned {UserMessages.Date(DateTimeOffset.UtcNow)})") });
            WriteObject(SshModel.ToOutput(result, url));
        }
    }
}
