using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.SshTransport;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Git
{
    /// <summary>
    /// Runs the native <c>git</c> executable over OpenSSH with one key and a verified host key, for pipelines.
    /// The host key is first fetched and verified with SSH.NET against the policy's pin, then written to a
    /// temporary known_hosts; the key goes to a temporary owner-only file; both are removed afterwards.
    /// </summary>
    public static class GitCommandRunner
    {
        /// <summary>Clones <paramref name="url"/> into <paramref name="destination"/> (which must not exist or be empty).</summary>
        public static Task<GitCommandResult> CloneAsync(GitSshUrl url, string destination, string privateKeyText, HostKeyPolicy policy, string? branch = null, int? depth = null, CancellationToken cancellationToken = default, IProgress<string>? progress = null) =>
            CloneCoreAsync(url, destination, privateKeyText, policy, branch, depth, cancellationToken, progress, null);

        /// <summary>
        /// Fetches <paramref name="branch"/> (default: the repository's current branch) from <paramref name="url"/> into
        /// <c>refs/remotes/origin/{branch}</c> of the repository at <paramref name="repositoryPath"/>. The working tree is not changed.
        /// </summary>
        public static Task<GitCommandResult> FetchAsync(string repositoryPath, GitSshUrl url, string privateKeyText, HostKeyPolicy policy, string? branch = null, int? depth = null, CancellationToken cancellationToken = default, IProgress<string>? progress = null) =>
            FetchCoreAsync(repositoryPath, url, privateKeyText, policy, branch, depth, cancellationToken, progress, null);

        internal static async Task<GitCommandResult> CloneCoreAsync(GitSshUrl url, string destination, string privateKeyText, HostKeyPolicy policy, string? branch, int? depth, CancellationToken cancellationToken, IProgress<string>? progress, string? tempRoot)
        {
            ValidateCommon(url, policy, branch, depth);
            if (destination == null || destination.Trim().Length == 0)
            {
                throw new PfaException(ErrorIds.GitDestinationInvalid, PfaErrorKind.InvalidArgument, "No destination folder was given for the clone. Pass a path that does not exist yet or is an empty folder.", destination);
            }

            string target = System.IO.Path.GetFullPath(destination);
            if (File.Exists(target) || (Directory.Exists(target) && Directory.GetFileSystemEntries(target).Length > 0))
            {
                throw new PfaException(ErrorIds.GitDestinationNotEmpty, PfaErrorKind.AlreadyExists, $"The clone destination '{target}' already exists and is not an empty folder. Pass a new path, or use a fetch to update an existing clone.", target);
            }

            bool existed = Directory.Exists(target);
            Stopwatch stopwatch = Stopwatch.StartNew();
            var arguments = new List<string> { "clone" };
            if (progress != null)
            {
                arguments.Add("--progress");
            }

            if (branch != null)
            {
                arguments.Add("--branch=" + branch);
            }

            if (depth != null)
            {
                arguments.Add("--depth=" + depth.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            arguments.Add("--");
            arguments.Add(url.ToString());
            arguments.Add(target);
            bool succeeded = false;
            try
            {
                await GitSshSession.RunWithSshAsync(url, privateKeyText, policy, arguments, null, cancellationToken, progress, tempRoot).ConfigureAwait(false);
                string commit = (await GitProcess.RunGitAsync(new[] { "-C", target, "rev-parse", "HEAD" }, null, cancellationToken, null, null).ConfigureAwait(false)).Trim();
                string head = (await GitProcess.RunGitAsync(new[] { "-C", target, "symbolic-ref", "--short", "-q", "HEAD" }, null, cancellationToken, null, null, allowFailure: true).ConfigureAwait(false)).Trim();
                succeeded = true;
                return new GitCommandResult(target, head.Length > 0 ? head : null, commit, stopwatch.Elapsed);
            }
            finally
            {
                if (!succeeded)
                {
                    RemovePartialClone(target, existed);
                }
            }
        }

        internal static async Task<GitCommandResult> FetchCoreAsync(string repositoryPath, GitSshUrl url, string privateKeyText, HostKeyPolicy policy, string? branch, int? depth, CancellationToken cancellationToken, IProgress<string>? progress, string? tempRoot)
        {
            ValidateCommon(url, policy, branch, depth);
            if (repositoryPath == null || repositoryPath.Trim().Length == 0 || !Directory.Exists(repositoryPath))
            {
                throw new PfaException(ErrorIds.GitRepositoryPathInvalid, PfaErrorKind.InvalidArgument, $"'{repositoryPath}' is not an existing folder. Pass the path of a git clone.", repositoryPath);
            }

            string path = System.IO.Path.GetFullPath(repositoryPath);
            Stopwatch stopwatch = Stopwatch.StartNew();
            if (branch == null)
            {
                string current = (await GitProcess.RunGitAsync(new[] { "-C", path, "symbolic-ref", "--short", "-q", "HEAD" }, null, cancellationToken, null, null, allowFailure: true).ConfigureAwait(false)).Trim();
                if (current.Length == 0)
                {
                    throw new PfaException(ErrorIds.GitBranchUnknown, PfaErrorKind.InvalidArgument, $"The repository '{path}' has no current branch (detached HEAD, or not a git repository). Pass the branch to fetch with -Branch.", path);
                }

                branch = current;
                ValidateBranch(branch);
            }

            var arguments = new List<string> { "-C", path, "fetch", "--no-tags" };
            if (progress != null)
            {
                arguments.Add("--progress");
            }

            if (depth != null)
            {
                arguments.Add("--depth=" + depth.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            arguments.Add("--");
            arguments.Add(url.ToString());
            arguments.Add("+refs/heads/" + branch + ":refs/remotes/origin/" + branch);
            await GitSshSession.RunWithSshAsync(url, privateKeyText, policy, arguments, null, cancellationToken, progress, tempRoot).ConfigureAwait(false);
            string commit = (await GitProcess.RunGitAsync(new[] { "-C", path, "rev-parse", "refs/remotes/origin/" + branch }, null, cancellationToken, null, null).ConfigureAwait(false)).Trim();
            return new GitCommandResult(path, branch, commit, stopwatch.Elapsed);
        }

        private static void ValidateCommon(GitSshUrl url, HostKeyPolicy policy, string? branch, int? depth)
        {
            if (url == null)
            {
                throw new ArgumentNullException(nameof(url));
            }

            if (policy == null)
            {
                throw new ArgumentNullException(nameof(policy));
            }

            if (branch != null)
            {
                ValidateBranch(branch);
            }

            if (depth != null && depth.Value < 1)
            {
                throw new PfaException(ErrorIds.GitDepthInvalid, PfaErrorKind.InvalidArgument, "The depth must be 1 or more (the number of commits to fetch); omit it for the full history.", depth.Value);
            }
        }

        private static void ValidateBranch(string branch)
        {
            bool bad = branch.Length == 0 || branch.StartsWith("-", StringComparison.Ordinal) || branch.Contains("..") || branch.EndsWith("/", StringComparison.Ordinal) || branch.EndsWith(".lock", StringComparison.Ordinal);
            foreach (char c in branch)
            {
                if (char.IsControl(c) || char.IsWhiteSpace(c) || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' || c == '[' || c == '\\')
                {
                    bad = true;
                }
            }

            if (bad)
            {
                throw new PfaException(ErrorIds.GitBranchInvalid, PfaErrorKind.InvalidArgument, $"'{branch}' is not a valid branch name. Pass a branch name such as 'main' or 'release/1.0'.", branch);
            }
        }

        private static void RemovePartialClone(string target, bool existed)
        {
            try
            {
                if (!Directory.Exists(target))
                {
                    return;
                }

                if (existed)
                {
                    foreach (string entry in Directory.GetFileSystemEntries(target))
                    {
                        if (Directory.Exists(entry))
                        {
                            Directory.Delete(entry, recursive: true);
                        }
                        else
                        {
                            File.Delete(entry);
                        }
                    }
                }
                else
                {
                    Directory.Delete(target, recursive: true);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
