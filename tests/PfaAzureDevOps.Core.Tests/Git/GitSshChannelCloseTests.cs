using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Git;
using PfaAzureDevOps.Core.SshTransport;
using PfaAzureDevOps.TestServers;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Git
{
    /// <summary>
    /// The access check's judgement of one git-upload-pack run when the server closes the channel while we end the
    /// negotiation (the flush-pkt and EOF after the advertisement). SSH.NET then throws a plain InvalidOperationException
    /// ("The channel is closed." from SendEof, or "The input stream can be used only during execution." from
    /// CreateInputStream); it once turned a proven access into SshConnectionFailed "failed unexpectedly". A fake channel
    /// plays each case exactly; the exceptions carry Source "Renci.SshNet" as SSH.NET's own do.
    /// </summary>
    public class GitUploadPackCloseTests
    {
        private const string ChannelClosed = "The channel is closed.";
        private static readonly GitSshUrl Url = GitSshUrl.Parse("ssh://git@127.0.0.1:2222/v3/org/project/repo");
        private static readonly string Id = new string('a', 40);

        private static string Pkt(string s) => (s.Length + 4).ToString("x4") + s;

        private static string Advertisement => Pkt(Id + " HEAD\0multi_ack symref=HEAD:refs/heads/main agent=git/2\n") + Pkt(Id + " refs/heads/main\n") + "0000";

        private static InvalidOperationException SshNetClosed(string message) => new InvalidOperationException(message) { Source = "Renci.SshNet" };

        [Theory]
        [InlineData(ChannelClosed, 0)]
        [InlineData(ChannelClosed, null)]
        [InlineData("The input stream can be used only during execution.", 0)]
        [InlineData(null, 0)]
        public void CompleteAdvertisementProvesAccessWhenTheServerClosesAsWeSayGoodbye(string? closedMessage, int? exit)
        {
            var channel = new FakeChannel(Advertisement, exit, string.Empty, closedMessage == null ? null : SshNetClosed(closedMessage));
            GitSshAccessChecker.Advertisement ad = GitSshAccessChecker.Converse(channel, Url);
            Assert.Equal("main", ad.DefaultBranch);
            Assert.Equal(2, ad.Refs.Count);
            Assert.Equal(1, channel.Goodbyes);
            Assert.Equal(1, channel.Waits);
        }

        [Fact]
        public void AfterTheCloseAReportedFailureStillFails()
        {
            // A non-zero exit status that is reported, and the key refused on stderr, still decide even when the goodbye met
            // a closed channel.
            PfaException error = Assert.Throws<PfaException>(() => GitSshAccessChecker.Converse(new FakeChannel(Advertisement, 128, "fatal: the remote end hung up", SshNetClosed(ChannelClosed)), Url));
            Assert.Equal(ErrorIds.GitUploadPackFailed, error.ErrorId);
            Assert.Contains("git-upload-pack on 127.0.0.1 failed after its ref advertisement (exit status 128): fatal: the remote end hung up. The server listed the repository's refs, then reported this error", error.Message);
            Assert.DoesNotContain("is a repository", error.Message);

            error = Assert.Throws<PfaException>(() => GitSshAccessChecker.Converse(new FakeChannel(Advertisement, 1, "remote: Public key authentication failed.", SshNetClosed(ChannelClosed)), Url));
            Assert.Equal(ErrorIds.SshKeyNotAuthorized, error.ErrorId);
        }

        [Fact]
        public void NotFoundMeansNotFoundOnlyBeforeACompleteAdvertisement()
        {
            // Before the refs: the path names no repository this user may read.
            PfaException error = Assert.Throws<PfaException>(() => GitSshAccessChecker.Converse(new FakeChannel(string.Empty, 128, "fatal: repository not found", null), Url));
            Assert.Equal(ErrorIds.GitRepositoryNotFound, error.ErrorId);

            // After them the repository was there and readable: the later error is no "not found" (review7 M2).
            error = Assert.Throws<PfaException>(() => GitSshAccessChecker.Converse(new FakeChannel(Advertisement, 128, "fatal: object not found", null), Url));
            Assert.Equal(ErrorIds.GitUploadPackFailed, error.ErrorId);
            Assert.Contains("failed after its ref advertisement", error.Message);
        }

        [Fact]
        public void ErrLineAndTruncatedAdvertisementFailWithoutAGoodbye()
        {
            var err = new FakeChannel(Pkt("ERR access denied\n"), 0, string.Empty, SshNetClosed(ChannelClosed));
            PfaException error = Assert.Throws<PfaException>(() => GitSshAccessChecker.Converse(err, Url));
            Assert.Equal(ErrorIds.GitUploadPackFailed, error.ErrorId);
            Assert.Contains("did not return a ref advertisement (exit status 0, output ended early): ERR access denied. Check that", error.Message);
            Assert.Equal(0, err.Goodbyes);

            // Cut before the flush-pkt: the server closed early; exit 0 does not make it a success.
            string truncated = Advertisement.Substring(0, Advertisement.Length - 4);
            var cut = new FakeChannel(truncated, 0, string.Empty, null);
            error = Assert.Throws<PfaException>(() => GitSshAccessChecker.Converse(cut, Url));
            Assert.Equal(ErrorIds.GitUploadPackFailed, error.ErrorId);
            Assert.Contains("output ended early", error.Message);
            Assert.Equal(0, cut.Goodbyes);
            Assert.Equal(1, cut.Waits);
        }

        [Fact]
        public void OtherFailuresOfTheGoodbyeAreNotSwallowed()
        {
            // Only SSH.NET's plain InvalidOperationException means "closed by the server"; a torn-down client
            // (ObjectDisposedException) or an InvalidOperationException of anyone else still fails the check.
            var disposed = new FakeChannel(Advertisement, 0, string.Empty, new ObjectDisposedException("SshClient") { Source = "Renci.SshNet" });
            Assert.Throws<ObjectDisposedException>(() => GitSshAccessChecker.Converse(disposed, Url));
            var foreign = new FakeChannel(Advertisement, 0, string.Empty, new InvalidOperationException(ChannelClosed));
            Assert.Throws<InvalidOperationException>(() => GitSshAccessChecker.Converse(foreign, Url));
        }

        private sealed class FakeChannel : GitSshAccessChecker.IUploadPackChannel
        {
            private readonly Exception? _goodbyeFails;

            public FakeChannel(string output, int? exit, string stderr, Exception? goodbyeFails)
            {
                Output = new MemoryStream(Encoding.UTF8.GetBytes(output));
                ExitStatus = exit;
                Error = stderr;
                _goodbyeFails = goodbyeFails;
            }

            public Stream Output { get; }

            public string Error { get; }

            public int? ExitStatus { get; }

            public int Goodbyes { get; private set; }

            public int Waits { get; private set; }

            public void SendFlushAndEof()
            {
                Goodbyes++;
                if (_goodbyeFails != null)
                {
                    throw _goodbyeFails;
                }
            }

            public void WaitForEnd() => Waits++;
        }
    }

    /// <summary>
    /// The same through the engine against a real sshd and SSH.NET: a server whose command is
    /// <c>git-upload-pack --advertise-refs</c> prints the advertisement and exits without reading our flush-pkt, so the
    /// channel closes while we say goodbye. Without the fix about one run in three failed there (measured: the first
    /// failure at run 2, 2, 3, 4 in four tries; mostly "The input stream can be used only during execution.", sometimes
    /// "The channel is closed."), so 8 runs catch it nearly always. Each run is a fresh connection, as in the product:
    /// one connection cannot be reused, because a late EOF on the closed channel makes OpenSSH drop the connection
    /// ("packet referred to nonexistent channel"), harmless to the run that sent it but fatal to the next.
    /// </summary>
    [Trait(Lane.Name, Lane.Integration)]
    [Collection(SshdCollection.Name)]
    public class GitSshChannelCloseTests
    {
        private const int Runs = 8;
        private readonly SshdFixture _sshd;

        public GitSshChannelCloseTests(SshdFixture sshd)
        {
            _sshd = sshd;
        }

        [Fact]
        public async Task ServerClosingRightAfterTheAdvertisementStillProvesAccess()
        {
            string keys = Path.Combine(_sshd.Root, "authorized_keys_advertise_only");
            File.WriteAllText(keys, "command=\"git-upload-pack --advertise-refs " + _sshd.RepositoryPath + "\" " + File.ReadAllText(_sshd.ClientEd25519 + ".pub"));
            var lines = new List<string>
            {
                "AuthorizedKeysFile " + keys,
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "MaxSessions 50",
                "HostKey " + _sshd.HostKeyEd25519,
            };
            using (Sshd sshd = Sshd.Start(_sshd.Root, "advertise-only", lines, TimeSpan.FromSeconds(10)))
            {
                var url = GitSshUrl.Parse($"ssh://{Environment.UserName}@127.0.0.1:{sshd.Port}{_sshd.RepositoryPath}");
                string main = _sshd.RevParse(_sshd.RepositoryPath, "refs/heads/main");
                string privateKey = _sshd.ReadKey(_sshd.ClientEd25519);
                for (int i = 0; i < Runs; i++)
                {
                    GitAccessResult result = await GitSshAccessChecker.CheckAsync(url, privateKey, HostKeyPolicy.FromFingerprint(_sshd.HostFingerprintEd25519), TimeSpan.FromSeconds(15));
                    Assert.True(result.Success, $"run {i + 1}: {result.Message}");
                    Assert.Equal("main", result.DefaultBranch);
                    Assert.Contains(result.Refs, r => r.Name == "refs/heads/main" && r.ObjectId == main);
                }
            }
        }

        [Fact]
        public void SshNetChannelClosedMapsToAClearConnectionFailure()
        {
            using (SshClientKey key = SshClientKey.Load(_sshd.ReadKey(_sshd.ClientEd25519)))
            using (var connector = new SshConnector(GitSshUrl.Parse(_sshd.Url(_sshd.RepositoryPath)).ToEndpoint(), key, HostKeyPolicy.FromFingerprint(_sshd.HostFingerprintEd25519), TimeSpan.FromSeconds(5)))
            {
                PfaException error = connector.Map(new InvalidOperationException("The channel is closed.") { Source = "Renci.SshNet" }, TimeSpan.FromSeconds(5));
                Assert.Equal(ErrorIds.SshConnectionFailed, error.ErrorId);
                Assert.Contains("the server closed the SSH channel before the exchange was complete (The channel is closed). Try again", error.Message);
                Assert.Contains("Try again", error.Message);
                Assert.DoesNotContain("unexpectedly", error.Message);

                // An InvalidOperationException of our own is not a closed channel.
                error = connector.Map(new InvalidOperationException("The server presented no host key."), TimeSpan.FromSeconds(5));
                Assert.Equal(ErrorIds.SshConnectionFailed, error.ErrorId);
                Assert.Contains("failed unexpectedly", error.Message);
            }
        }
    }
}
