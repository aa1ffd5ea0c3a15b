using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Git;
using PfaAzureDevOps.Core.SshTransport;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Git
{
    [Trait(Lane.Name, Lane.Integration)]
    [Collection(SshdCollection.Name)]
    public class GitCommandRunnerTests
    {
        private readonly SshdFixture _sshd;

        public GitCommandRunnerTests(SshdFixture sshd)
        {
            _sshd = sshd;
        }

        private HostKeyPolicy Pinned => HostKeyPolicy.FromFingerprint(_sshd.HostFingerprintEd25519);

        private string NewTempRoot()
        {
            string root = Path.Combine(_sshd.Root, "tmp-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(root);
            return root;
        }

        private string NewDestination() => Path.Combine(_sshd.Root, "clones", Guid.NewGuid().ToString("N"));

        [Theory]
        [InlineData("rsa")]
        [InlineData("ed25519")]
        public async Task CloneSucceedsAndRemovesTheKeyFolder(string keyType)
        {
            string tempRoot = NewTempRoot();
            string destination = NewDestination();
            var progress = new List<string>();
            var url = GitSshUrl.Parse(_sshd.Url(_sshd.RepositoryPath));
            string? seenKeyFolder = null;
            var watcher = Task.Run(async () =>
            {
                // Observe the private folder while git runs: 0700 folder, 0600 key.
                for (int i = 0; i < 400 && seenKeyFolder == null; i++)
                {
                    foreach (string dir in Directory.GetDirectories(tempRoot))
                    {
                        string key = Path.Combine(dir, "id");
                        if (File.Exists(key) && !OperatingSystem.IsWindows())
                        {
                            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
                            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
                            seenKeyFolder = dir;
                        }
                    }

                    await Task.Delay(5);
                }
            });

            GitCommandResult result = await GitCommandRunner.CloneCoreAsync(
                url,
                destination,
                _sshd.ReadKey(keyType == "rsa" ? _sshd.ClientRsa : _sshd.ClientEd25519),
                Pinned,
                null,
                null,
                CancellationToken.None,
                new SyncProgress(progress),
                tempRoot);
            await watcher;

            Assert.Equal(destination, result.Path);
            Assert.Equal("main", result.Branch);
            Assert.Equal(_sshd.RevParse(_sshd.RepositoryPath, "refs/heads/main"), result.CommitId);
            Assert.True(File.Exists(Path.Combine(destination, "readme.txt")));
            Assert.Empty(Directory.GetFileSystemEntries(tempRoot));
            Assert.NotNull(seenKeyFolder);
            Assert.DoesNotContain(progress, line => line.Contains(tempRoot));
        }

        [Fact]
        public async Task CloneBranchWithDepthThroughPublicApi()
        {
            string destination = NewDestination();
            var url = GitSshUrl.Parse(_sshd.Url(_sshd.RepositoryPath));
            GitCommandResult result = await GitCommandRunner.CloneAsync(url, destination, _sshd.ReadKey(_sshd.ClientEd25519), Pinned, branch: "feature", depth: 1);
            Assert.Equal("feature", result.Branch);
            Assert.Equal(_sshd.RevParse(_sshd.RepositoryPath, "refs/heads/feature"), result.CommitId);
            Assert.Equal("1", SshdFixture.Run("git", "-C", destination, "rev-list", "--count", "HEAD").Trim());
            // Only this process's folders: other processes on the machine may run git through the module meanwhile.
            Assert.Empty(OwnTempFolders());
        }

        /// <summary>The pfa-git-* folders in the system temp folder that this test process made (their owner file names it).</summary>
        private static string[] OwnTempFolders()
        {
            string self = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ";
            return Directory.GetDirectories(Path.GetTempPath(), "pfa-git-*").Where(folder =>
            {
                try
                {
                    return File.ReadAllText(Path.Combine(folder, "owner")).StartsWith(self, StringComparison.Ordinal);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    return false;
                }
            }).ToArray();
        }

        [Fact]
        public async Task CloneOfMissingRepositoryFailsAndCleansUp()
        {
            string tempRoot = NewTempRoot();
            string destination = NewDestination();
            var url = GitSshUrl.Parse(_sshd.Url(Path.Combine(_sshd.Root, "repos", "missing.git")));
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => GitCommandRunner.CloneCoreAsync(url, destination, _sshd.ReadKey(_sshd.ClientEd25519), Pinned, null, null, CancellationToken.None, null, tempRoot));
            Assert.Equal("GitCommandFailed", ex.ErrorId);
            Assert.Contains("does not appear to be a git repository", ex.Message);
            Assert.DoesNotContain(tempRoot, ex.Message);
            Assert.Empty(Directory.GetFileSystemEntries(tempRoot));
            Assert.False(Directory.Exists(destination));
        }

        [Fact]
        public async Task CloneWithWrongHostKeyNeverRunsGit()
        {
            string tempRoot = NewTempRoot();
            string destination = NewDestination();
            var url = GitSshUrl.Parse(_sshd.Url(_sshd.RepositoryPath));
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => GitCommandRunner.CloneCoreAsync(url, destination, _sshd.ReadKey(_sshd.ClientEd25519), HostKeyPolicy.FromFingerprint(HostKeyPolicy.AzureDevOpsFingerprint), null, null, CancellationToken.None, null, tempRoot));
            Assert.Equal("SshHostKeyMismatch", ex.ErrorId);
            Assert.Empty(Directory.GetFileSystemEntries(tempRoot));
            Assert.False(Directory.Exists(destination));
        }

        [Fact]
        public async Task CloneWithUnauthorizedKey()
        {
            var url = GitSshUrl.Parse(_sshd.Url(_sshd.RepositoryPath));
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => GitCommandRunner.CloneAsync(url, NewDestination(), _sshd.ReadKey(_sshd.ClientUnauthorized), Pinned));
            Assert.Equal("SshKeyNotAuthorized", ex.ErrorId);
        }

        [Fact]
        public async Task CloneCancelledKillsGitAndCleansUp()
        {
            string tempRoot = NewTempRoot();
            string destination = NewDestination();
            var url = GitSshUrl.Parse(_sshd.Url(_sshd.RepositoryPath));
            using (var cts = new CancellationTokenSource())
            {
                // Cancel as soon as git reports anything (or after 2 s at the latest).
                cts.CancelAfter(TimeSpan.FromSeconds(2));
                var progress = new SyncProgressAction(_ => cts.Cancel());
                var stopwatch = Stopwatch.StartNew();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => GitCommandRunner.CloneCoreAsync(url, destination, _sshd.ReadKey(_sshd.ClientEd25519), Pinned, null, null, cts.Token, progress, tempRoot));
                Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5));
            }

            Assert.Empty(Directory.GetFileSystemEntries(tempRoot));
            Assert.False(Directory.Exists(destination));
        }

        [Fact]
        public async Task FetchIntoExistingClone()
        {
            string bare = _sshd.CreateRepository("fetchme");
            var url = GitSshUrl.Parse(_sshd.Url(bare));
            string destination = NewDestination();
            string key = _sshd.ReadKey(_sshd.ClientRsa);
            GitCommandResult clone = await GitCommandRunner.CloneAsync(url, destination, key, Pinned);
            string newCommit = _sshd.PushNewCommit("fetchme", "fresh");
            Assert.NotEqual(newCommit, clone.CommitId);

            string tempRoot = NewTempRoot();
            GitCommandResult fetch = await GitCommandRunner.FetchCoreAsync(destination, url, key, Pinned, null, null, CancellationToken.None, null, tempRoot);
            Assert.Equal("main", fetch.Branch);
            Assert.Equal(newCommit, fetch.CommitId);
            Assert.Equal(newCommit, SshdFixture.Run("git", "-C", destination, "rev-parse", "origin/main").Trim());
            Assert.Empty(Directory.GetFileSystemEntries(tempRoot));

            GitCommandResult feature = await GitCommandRunner.FetchAsync(destination, url, key, Pinned, branch: "feature", depth: 1);
            Assert.Equal(_sshd.RevParse(bare, "refs/heads/feature"), feature.CommitId);
        }

        [Fact]
        public async Task FetchFromMissingRepositoryFails()
        {
            string destination = NewDestination();
            var url = GitSshUrl.Parse(_sshd.Url(_sshd.RepositoryPath));
            await GitCommandRunner.CloneAsync(url, destination, _sshd.ReadKey(_sshd.ClientEd25519), Pinned);
            var missing = GitSshUrl.Parse(_sshd.Url(Path.Combine(_sshd.Root, "repos", "gone.git")));
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => GitCommandRunner.FetchAsync(destination, missing, _sshd.ReadKey(_sshd.ClientEd25519), Pinned));
            Assert.Equal("GitCommandFailed", ex.ErrorId);
        }

        [Fact]
        public async Task InvalidArguments()
        {
            var url = GitSshUrl.Parse(_sshd.Url(_sshd.RepositoryPath));
            string key = _sshd.ReadKey(_sshd.ClientEd25519);
            Assert.Equal("GitBranchInvalid", (await Assert.ThrowsAsync<PfaException>(() => GitCommandRunner.CloneAsync(url, NewDestination(), key, Pinned, branch: "--upload-pack=evil"))).ErrorId);
            Assert.Equal("GitDepthInvalid", (await Assert.ThrowsAsync<PfaException>(() => GitCommandRunner.CloneAsync(url, NewDestination(), key, Pinned, depth: 0))).ErrorId);
            Assert.Equal("GitDestinationNotEmpty", (await Assert.ThrowsAsync<PfaException>(() => GitCommandRunner.CloneAsync(url, _sshd.Root, key, Pinned))).ErrorId);
        }

        [Fact]
        public async Task GitMissing()
        {
            string? path = Environment.GetEnvironmentVariable("PATH");
            var url = GitSshUrl.Parse(_sshd.Url(_sshd.RepositoryPath));
            try
            {
                Environment.SetEnvironmentVariable("PATH", Path.Combine(_sshd.Root, "empty-bin"));
                PfaException ex = await Assert.ThrowsAsync<PfaException>(() => GitCommandRunner.CloneAsync(url, NewDestination(), _sshd.ReadKey(_sshd.ClientEd25519), Pinned));
                Assert.Equal("GitNotInstalled", ex.ErrorId);
            }
            finally
            {
                Environment.SetEnvironmentVariable("PATH", path);
            }
        }

        private sealed class SyncProgress : IProgress<string>
        {
            private readonly List<string> _lines;

            public SyncProgress(List<string> lines) => _lines = lines;

            public void Report(string value)
            {
                lock (_lines)
                {
                    _lines.Add(value);
                }
            }
        }

        private sealed class SyncProgressAction : IProgress<string>
        {
            private readonly Action<string> _action;

            public SyncProgressAction(Action<string> action) => _action = action;

            public void Report(string value) => _action(value);
        }
    }
}
