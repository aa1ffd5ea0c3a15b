using System;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Proves that the current user's SSH key can clone a repository: connects, runs git-upload-pack and reads the refs.</para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "PfaAzureDevOpsSshAccess")]
    [OutputType(typeof(PfaSshAccessResult))]
    public sealed class TestPfaAzureDevOpsSshAccessCommand : PfaSshHostCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("SshUrl")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RepositoryUrlCompleter))]
        public string RepositoryUrl { get; set; } = null!;

        [Parameter]
        [TimeoutTransformation]
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        protected override void ProcessRecordCore()
        {
            Core.Git.GitSshUrl url = Core.Ssh.SshRepositoryService.ParseUrl(RepositoryUrl);
            Core.Git.HostKeyPolicy policy = CreateHostKeyPolicy();
            var keys = new Core.Ssh.SshKeyStore();
            Core.Ssh.StoredSshKey key = keys.GetRequired();
            var service = new Core.Ssh.SshRepositoryService(keys);
            WriteVerbose($"Checking read access to {url} as '{url.User}' with SSH key {key.Sha256Fingerprint} (timeout {Timeout.TotalSeconds:0.##} s).");
            Core.Git.GitAccessResult result = RunWithProgress("Checking clone access over SSH", $"Asking {url.Host} for the refs of {url.Path}", token => service.TestAccessAsync(url, policy, Timeout, token));
            PfaSshAccessResult output = SshModel.ToOutput(result, key.Sha256Fingerprint);
            if (result.HostKeyFingerprint != null)
            {
                WriteVerbose($"Host key: {result.HostKeyFingerprint}.");
            }

            if (result.Success)
            {
                Core.Storage.RecentValues.Remember(Core.Storage.RecentValues.Repositories, new[] { Completion.Item(RepositoryUrl.Trim(), $"{RepositoryUrl.Trim()} (access checked {UserMessages.Date(DateTimeOffset.UtcNow)})") });
            }

            WriteObject(output);
            if (result.Error != null)
            {
                WriteError(ErrorMapper.ToErrorRecord(result.Error));
            }
        }
    }
}
