using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Ssh;
using PfaAzureDevOps.Core.SshTransport;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Git
{
    /// <summary>
    /// Git over SSH with the current user's stored key: the access check (SSH.NET) and clone/fetch (native git).
    /// The private key leaves the vault only for the duration of one operation.
    /// </summary>
    public sealed class GitRepositoryService
    {
        public GitRepositoryService(SshKeyStore keys)
        {
            Keys = keys;
        }

        public SshKeyStore Keys { get; }

        /// <summary>Parses a repository URL (scp-style, ssh://, or Azure DevOps' git@ssh.dev.azure.com:v3/...).</summary>
        public static GitSshUrl ParseUrl(string url) => GitSshUrl.Parse(url);

        /// <summary>The host key policy: an explicit fingerprint, a known_hosts file, then the built-in Azure DevOps pin.</summary>
        public static HostKeyPolicy CreatePolicy(string? hostKeyFingerprint, string? knownHostsPath) => HostKeyPolicy.Create(hostKeyFingerprint, knownHostsPath);

        public async Task<GitAccessResult> TestAccessAsync(GitSshUrl url, HostKeyPolicy policy, TimeSpan timeout, CancellationToken cancellationToken)
        {
            string key = Keys.ReadPrivateKeyText(out _);
            return await GitSshAccessChecker.CheckAsync(url, key, policy, timeout, cancellationToken).ConfigureAwait(false);
        }

        public async Task<GitCommandResult> CloneAsync(GitSshUrl url, string destination, HostKeyPolicy policy, string? branch, int? depth, CancellationToken cancellationToken, IProgress<string>? progress)
        {
            string key = Keys.ReadPrivateKeyText(out _);
            return await GitCommandRunner.CloneAsync(url, destination, key, policy, branch, depth, cancellationToken, progress).ConfigureAwait(false);
        }

        public async Task<GitCommandResult> FetchAsync(string repositoryPath, GitSshUrl url, HostKeyPolicy policy, string? branch, int? depth, CancellationToken cancellationToken, IProgress<string>? progress)
        {
            string key = Keys.ReadPrivateKeyText(out _);
            return await GitCommandRunner.FetchAsync(repositoryPath, url, key, policy, branch, depth, cancellationToken, progress).ConfigureAwait(false);
        }

        /// <summary>The URL of the clone's <c>origin</c> remote.</summary>
        public static async Task<GitSshUrl> GetOriginUrlAsync(string repositoryPath, CancellationToken cancellationToken)
        {
            if (repositoryPath == null || !Directory.Exists(repositoryPath))
            {
                throw new PfaException(ErrorIds.GitRepositoryPathInvalid, PfaErrorKind.InvalidArgument, $"'{repositoryPath}' is not an existing folder. Pass the path of a git clone.", repositoryPath);
            }

            string path = Path.GetFullPath(repositoryPath);
            string url = (await GitProcess.RunGitAsync(new[] { "-C", path, "config", "--get", "remote.origin.url" }, null, cancellationToken, null, null, allowFailure: true).ConfigureAwait(false)).Trim();
            if (url.Length == 0)
            {
                throw new PfaException(ErrorIds.GitRemoteUnknown,
                    PfaErrorKind.InvalidArgument,
                    $"'{path}' is not a git clone with an 'origin' remote. Pass the clone's folder (made by Copy-PfaAzureDevOpsRepository or git clone), or give the URL with -RepositoryUrl.",
                    path);
            }

            return GitSshUrl.Parse(url);
        }
    }
}
