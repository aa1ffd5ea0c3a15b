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

        /// <summary>How long a key added moments ago may be refused before the refusal counts: the service may need a moment before SSH accepts it.</summary>
        public static readonly TimeSpan NewKeyPatience = TimeSpan.FromSeconds(10);

        /// <summary>
        /// <see cref="TestAccessAsync"/> for a key added moments ago: a refusal of the key (SshKeyNotAuthorized, and
        /// nothing else: a host key mismatch, an unreachable host or a missing repository come back at once) is tried
        /// again after 1, 2, then 4 seconds while the next try still starts within <paramref name="patience"/> of the
        /// first. <paramref name="onRetry"/> hears each wait (the try that comes next, the wait) before it starts;
        /// cancellation (Ctrl+C) ends a wait at once.
        /// </summary>
        public async Task<GitAccessResult> TestNewKeyAccessAsync(GitSshUrl url, HostKeyPolicy policy, TimeSpan timeout, TimeSpan patience, Action<int, TimeSpan>? onRetry, CancellationToken cancellationToken)
        {
            System.Diagnostics.Stopwatch watch = System.Diagnostics.Stopwatch.StartNew();
            TimeSpan wait = TimeSpan.FromSeconds(1);
            for (int attempt = 1; ; attempt++)
            {
                GitAccessResult result = await TestAccessAsync(url, policy, timeout, cancellationToken).ConfigureAwait(false);
                if (result.Success || result.Error?.ErrorId != ErrorIds.SshKeyNotAuthorized)
                {
                    return result;
                }

                if (watch.Elapsed + wait > patience)
                {
                    return StillRefused(result, attempt, watch.Elapsed);
                }

                onRetry?.Invoke(attempt + 1, wait);
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(4).Ticks));
            }
        }

        /// <summary>
        /// The last refusal, said for a key added moments ago: "not registered, add it" would send the person to add a key
        /// that is there, so the message says it was just added and when to check again (same id, kind and target).
        /// </summary>
        private static GitAccessResult StillRefused(GitAccessResult result, int tries, TimeSpan waited)
        {
            PfaException refused = result.Error!;
            var error = new PfaException(
                ErrorIds.SshKeyNotAuthorized,
                refused.Kind,
                $"{result.Url.Host} still refused the SSH key {tries} time{(tries == 1 ? string.Empty : "s")} over {waited.TotalSeconds:0} s after it was added. The service may need longer to accept a new key: run Test-PfaAzureDevOpsSshAccess {result.Url} in a minute. If it is still refused then, check that the key is listed (Get-AzDevOpsSshKey) and that SSH keys are allowed in the organization.",
                refused.Target,
                refused);
            return new GitAccessResult(result.Url, false, result.Refs, result.DefaultBranch, result.HostKeyFingerprint, result.Elapsed, error, error.Message);
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
