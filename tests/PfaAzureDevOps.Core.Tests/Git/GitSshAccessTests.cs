using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Git;
using PfaAzureDevOps.Core.SshTransport;
using Xunit;
using Xunit.Abstractions;

namespace PfaAzureDevOps.Core.Tests.Git
{
    [Trait(Lane.Name, Lane.Integration)]
    [Collection(SshdCollection.Name)]
    public class GitSshAccessTests
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
        private readonly SshdFixture _sshd;
        private readonly ITestOutputHelper _output;

        public GitSshAccessTests(SshdFixture sshd, ITestOutputHelper output)
        {
            _sshd = sshd;
            _output = output;
        }

        private HostKeyPolicy Pinned => HostKeyPolicy.FromFingerprint(_sshd.HostFingerprintEd25519);

        private GitSshUrl RepoUrl => GitSshUrl.Parse(_sshd.Url(_sshd.RepositoryPath));

        [Theory]
        [InlineData("rsa")]
        [InlineData("ed25519")]
        public async Task AuthorizedKeyReadsRefsAndDefaultBranch(string keyType)
        {
            string key = _sshd.ReadKey(keyType == "rsa" ? _sshd.ClientRsa : _sshd.ClientEd25519);
            GitAccessResult result = await GitSshAccessChecker.CheckAsync(RepoUrl, key, Pinned, Timeout);

            Assert.True(result.Success, result.Message);
            Assert.Null(result.ErrorId);
            Assert.Equal("main", result.DefaultBranch);
            Assert.Equal(_sshd.HostFingerprintEd25519, result.HostKeyFingerprint);
            string main = _sshd.RevParse(_sshd.RepositoryPath, "refs/heads/main");
            Assert.Contains(result.Refs, r => r.Name == "HEAD" && r.ObjectId == main);
            Assert.Contains(result.Refs, r => r.Name == "refs/heads/main" && r.ObjectId == main);
            Assert.Contains(result.Refs, r => r.Name == "refs/heads/feature");
            Assert.Contains(result.Refs, r => r.Name == "refs/tags/v1");
            Assert.True(result.Elapsed > TimeSpan.Zero && result.Elapsed < Timeout);
        }

        [Fact]
        public async Task RsaKeySignsWithSha2Only()
        {
            GitAccessResult result = await GitSshAccessChecker.CheckAsync(RepoUrl, _sshd.ReadKey(_sshd.ClientRsa), Pinned, Timeout);
            Assert.True(result.Success, result.Message);
            string log = _sshd.Server.Log;
            Assert.Contains("pkalg rsa-sha2-512", log);
            Assert.DoesNotContain("pkalg ssh-rsa ", log);
        }

        [Fact]
        public async Task ServerAcceptingOnlySha1SshRsaRefusesUs()
        {
            using (SshdInstance sha1Only = _sshd.Start("sha1only-" + Guid.NewGuid().ToString("N").Substring(0, 6), "ssh-rsa", _sshd.HostKeyEd25519))
            {
                var url = GitSshUrl.Parse(_sshd.Url(_sshd.RepositoryPath, sha1Only));
                GitAccessResult result = await GitSshAccessChecker.CheckAsync(url, _sshd.ReadKey(_sshd.ClientRsa), Pinned, Timeout);
                Assert.False(result.Success);
                Assert.Equal("SshKeyNotAuthorized", result.ErrorId);
                Assert.Contains("rsa-sha2-512", result.Message);
                Assert.Contains("Add-AzDevOpsSshKey", result.Message);
                Assert.Contains("signature algorithm rsa-sha2-512 not in PubkeyAcceptedAlgorithms", sha1Only.Log);
                Assert.DoesNotContain("pkalg ssh-rsa ", sha1Only.Log);

                // The same key is authorized there: OpenSSH forced to sign with SHA-1 ssh-rsa gets in.
                var info = new ProcessStartInfo("ssh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (string arg in new[] { "-i", _sshd.ClientRsa, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "PubkeyAcceptedAlgorithms=ssh-rsa", "-p", sha1Only.Port.ToString(), Environment.UserName + "@127.0.0.1", "true" })
                {
                    info.ArgumentList.Add(arg);
                }

                using (Process ssh = Process.Start(info)!)
                {
                    string stderr = ssh.StandardError.ReadToEnd();
                    ssh.WaitForExit();
                    Assert.True(ssh.ExitCode == 0, stderr);
                }

                Assert.Contains("pkalg ssh-rsa ", sha1Only.Log);
            }
        }

        [Fact]
        public async Task UnauthorizedKey()
        {
            GitAccessResult result = await GitSshAccessChecker.CheckAsync(RepoUrl, _sshd.ReadKey(_sshd.ClientUnauthorized), Pinned, Timeout);
            Assert.False(result.Success);
            Assert.Equal("SshKeyNotAuthorized", result.ErrorId);
            Assert.Equal(PfaErrorKind.Authentication, result.Error!.Kind);
            Assert.Contains("Add-AzDevOpsSshKey", result.Message);
            Assert.Equal(_sshd.HostFingerprintEd25519, result.HostKeyFingerprint);
            Assert.Throws<PfaException>(() => result.EnsureSuccess());
            AssertNoKeyMaterial(result.Message, _sshd.ClientUnauthorized);
        }

        [Fact]
        public async Task WrongPinnedFingerprint()
        {
            var policy = HostKeyPolicy.FromFingerprint("SHA256:ohD8VZEXGWo6Ez8GSEJQ9WpafgLFsOfLOtGGQCQo6Og");
            GitAccessResult result = await GitSshAccessChecker.CheckAsync(RepoUrl, _sshd.ReadKey(_sshd.ClientEd25519), policy, Timeout);
            Assert.False(result.Success);
            Assert.Equal("SshHostKeyMismatch", result.ErrorId);
            Assert.Equal(PfaErrorKind.SecurityError, result.Error!.Kind);
            Assert.Contains("attack", result.Message);
            Assert.Contains("SHA256:ohD8VZEXGWo6Ez8GSEJQ9WpafgLFsOfLOtGGQCQo6Og", result.Message);
            Assert.Contains(_sshd.HostFingerprintEd25519, result.Message);
        }

        [Fact]
        public async Task NoPinIsRefused()
        {
            GitAccessResult result = await GitSshAccessChecker.CheckAsync(RepoUrl, _sshd.ReadKey(_sshd.ClientEd25519), HostKeyPolicy.Default, Timeout);
            Assert.False(result.Success);
            Assert.Equal("SshHostKeyUnknown", result.ErrorId);
            Assert.Contains("-HostKeyFingerprint", result.Message);
            Assert.Contains("known_hosts", result.Message);
            Assert.Contains(_sshd.HostFingerprintEd25519, result.Message);
            // Nothing was authenticated: sshd never saw a public key request.
            Assert.Equal(_sshd.HostFingerprintEd25519, result.HostKeyFingerprint);
        }

        [Theory]
        [InlineData(false, false)]
        [InlineData(true, false)]
        [InlineData(false, true)]
        [InlineData(true, true)]
        public async Task KnownHostsFile(bool hashed, bool rsaHostKeyOnly)
        {
            string hostKeyPub = rsaHostKeyOnly ? _sshd.HostKeyRsa + ".pub" : _sshd.HostKeyEd25519 + ".pub";
            string[] parts = File.ReadAllText(hostKeyPub).Trim().Split(' ');
            string path = Path.Combine(_sshd.Root, "known_hosts_" + Guid.NewGuid().ToString("N"));
            File.WriteAllText(path, "# comment\nother.example.com " + parts[0] + " " + parts[1] + "\n" + $"[127.0.0.1]:{_sshd.Server.Port} {parts[0]} {parts[1]}\n");
            if (hashed)
            {
                SshdFixture.Run("ssh-keygen", "-q", "-H", "-f", path);
                Assert.DoesNotContain("127.0.0.1", File.ReadAllText(path));
                Assert.StartsWith("|1|", File.ReadAllLines(path).First(l => !l.StartsWith("#")));
            }

            GitAccessResult result = await GitSshAccessChecker.CheckAsync(RepoUrl, _sshd.ReadKey(_sshd.ClientEd25519), HostKeyPolicy.FromKnownHostsFile(path), Timeout);
            Assert.True(result.Success, result.Message);
            Assert.Equal(rsaHostKeyOnly ? _sshd.HostFingerprintRsa : _sshd.HostFingerprintEd25519, result.HostKeyFingerprint);
        }

        [Fact]
        public async Task KnownHostsWithOtherKeyIsMismatch()
        {
            string[] parts = File.ReadAllText(_sshd.ClientEd25519 + ".pub").Trim().Split(' ');
            string path = Path.Combine(_sshd.Root, "known_hosts_wrong");
            File.WriteAllText(path, $"[127.0.0.1]:{_sshd.Server.Port} {parts[0]} {parts[1]}\n");
            GitAccessResult result = await GitSshAccessChecker.CheckAsync(RepoUrl, _sshd.ReadKey(_sshd.ClientEd25519), HostKeyPolicy.FromKnownHostsFile(path), Timeout);
            Assert.Equal("SshHostKeyMismatch", result.ErrorId);
            Assert.Contains(path, result.Message);
        }

        [Fact]
        public async Task KnownHostsWithoutTheHostIsUnknown()
        {
            string path = Path.Combine(_sshd.Root, "known_hosts_empty");
            File.WriteAllText(path, "# nothing\n");
            GitAccessResult result = await GitSshAccessChecker.CheckAsync(RepoUrl, _sshd.ReadKey(_sshd.ClientEd25519), HostKeyPolicy.FromKnownHostsFile(path), Timeout);
            Assert.Equal("SshHostKeyUnknown", result.ErrorId);
        }

        [Fact]
        public async Task MissingRepository()
        {
            var url = GitSshUrl.Parse(_sshd.Url(Path.Combine(_sshd.Root, "repos", "nope.git")));
            GitAccessResult result = await GitSshAccessChecker.CheckAsync(url, _sshd.ReadKey(_sshd.ClientEd25519), Pinned, Timeout);
            Assert.False(result.Success);
            Assert.Equal("GitRepositoryNotFound", result.ErrorId);
            Assert.Contains("nope.git", result.Message);
        }

        [Fact]
        public async Task ClosedPortIsUnreachableFast()
        {
            int port = SshdFixture.FreePort();
            var url = GitSshUrl.Parse($"ssh://git@127.0.0.1:{port}/repo.git");
            var stopwatch = Stopwatch.StartNew();
            GitAccessResult result = await GitSshAccessChecker.CheckAsync(url, _sshd.ReadKey(_sshd.ClientEd25519), Pinned, Timeout);
            Assert.Equal("SshHostUnreachable", result.ErrorId);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), stopwatch.Elapsed.ToString());
        }

        [Fact]
        public async Task StoppedServerIsUnreachable()
        {
            SshdInstance instance = _sshd.Start("stopped-" + Guid.NewGuid().ToString("N").Substring(0, 6), "ssh-ed25519", _sshd.HostKeyEd25519);
            var url = GitSshUrl.Parse(_sshd.Url(_sshd.RepositoryPath, instance));
            Assert.True((await GitSshAccessChecker.CheckAsync(url, _sshd.ReadKey(_sshd.ClientEd25519), Pinned, Timeout)).Success);
            instance.Dispose();
            GitAccessResult result = await GitSshAccessChecker.CheckAsync(url, _sshd.ReadKey(_sshd.ClientEd25519), Pinned, Timeout);
            Assert.Equal("SshHostUnreachable", result.ErrorId);
            Assert.True(result.Elapsed < TimeSpan.FromSeconds(2), result.Elapsed.ToString());
        }

        [Fact]
        public async Task UnresolvableHostIsUnreachable()
        {
            var url = GitSshUrl.Parse("git@no-such-host.invalid:repo.git");
            GitAccessResult result = await GitSshAccessChecker.CheckAsync(url, _sshd.ReadKey(_sshd.ClientEd25519), Pinned, Timeout);
            Assert.Equal("SshHostUnreachable", result.ErrorId);
        }

        [Fact]
        public async Task SilentServerTimesOut()
        {
            using (var silent = new SilentListener())
            {
                var url = GitSshUrl.Parse($"ssh://git@127.0.0.1:{silent.Port}/repo.git");
                var timeout = TimeSpan.FromSeconds(1.5);
                var stopwatch = Stopwatch.StartNew();
                GitAccessResult result = await GitSshAccessChecker.CheckAsync(url, _sshd.ReadKey(_sshd.ClientEd25519), Pinned, timeout);
                stopwatch.Stop();
                Assert.Equal("SshTimeout", result.ErrorId);
                Assert.Equal(PfaErrorKind.OperationTimeout, result.Error!.Kind);
                Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(1.4), stopwatch.Elapsed.ToString());
                Assert.True(stopwatch.Elapsed < timeout + TimeSpan.FromSeconds(1), stopwatch.Elapsed.ToString());
            }
        }

        [Fact]
        public async Task CancellationIsPrompt()
        {
            using (var silent = new SilentListener())
            using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
            {
                var url = GitSshUrl.Parse($"ssh://git@127.0.0.1:{silent.Port}/repo.git");
                var stopwatch = Stopwatch.StartNew();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => GitSshAccessChecker.CheckAsync(url, _sshd.ReadKey(_sshd.ClientEd25519), Pinned, TimeSpan.FromSeconds(20), cts.Token));
                Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1.5), stopwatch.Elapsed.ToString());
            }
        }

        [Fact]
        public async Task InvalidKeyTextIsRejectedWithoutEchoingIt()
        {
            string bogus = "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LXNlY3JldC1zZWNyZXQ=\n-----END OPENSSH PRIVATE KEY-----\n";
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => GitSshAccessChecker.CheckAsync(RepoUrl, bogus, Pinned, Timeout));
            Assert.Equal("SshPrivateKeyInvalid", ex.ErrorId);
            Assert.DoesNotContain("c2VjcmV0", ex.ToString());

            PfaException pub = await Assert.ThrowsAsync<PfaException>(() => GitSshAccessChecker.CheckAsync(RepoUrl, File.ReadAllText(_sshd.ClientEd25519 + ".pub"), Pinned, Timeout));
            Assert.Equal("SshPrivateKeyInvalid", pub.ErrorId);
        }

        private static void AssertNoKeyMaterial(string text, string keyPath)
        {
            foreach (string line in File.ReadAllLines(keyPath).Where(l => !l.StartsWith("-----")))
            {
                Assert.DoesNotContain(line, text);
            }
        }

        /// <summary>Accepts TCP connections and never says a word.</summary>
        private sealed class SilentListener : IDisposable
        {
            private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
            private readonly List<Socket> _accepted = new List<Socket>();

            public SilentListener()
            {
                _listener.Start();
                Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
                _ = AcceptLoop();
            }

            public int Port { get; }

            private async Task AcceptLoop()
            {
                try
                {
                    while (true)
                    {
                        Socket socket = await _listener.AcceptSocketAsync();
                        lock (_accepted)
                        {
                            _accepted.Add(socket);
                        }
                    }
                }
                catch (Exception)
                {
                }
            }

            public void Dispose()
            {
                _listener.Stop();
                lock (_accepted)
                {
                    foreach (Socket socket in _accepted)
                    {
                        socket.Dispose();
                    }
                }
            }
        }
    }
}
