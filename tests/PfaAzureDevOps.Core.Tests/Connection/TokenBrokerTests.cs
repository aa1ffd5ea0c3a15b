using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Storage;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Connection
{
    /// <summary>
    /// The token broker against an in-memory token server (no HTTP): the renewal margin, one refresh across threads and
    /// across processes (each "process" is a broker over its own store object on the same folder, so they meet only at
    /// the file lock and on disk), the rotated refresh token persisted, and what a failed or killed refresh leaves.
    /// </summary>
    public sealed class TokenBrokerTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "pfa-xunit-broker-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }

        private ConnectionStore NewStore() => new ConnectionStore(new StateStore(StateScope.CurrentUser, _root));

        private static TokenBroker Broker(ConnectionStore store, FakeTokenServer server) =>
            new TokenBroker(store, server, () => throw new InvalidOperationException("An Azure DevOps OAuth connection asked for the Entra renewal."));

        /// <summary>A connection as Connect leaves it: generation 1, its tokens in the vault, the access token expiring in <paramref name="left"/>.</summary>
        private ConnectionStore Connected(TimeSpan left, string refreshToken = "refresh-0")
        {
            ConnectionStore store = NewStore();
            var document = new ConnectionDocument
            {
                Provider = IdentityProvider.AzureDevOps,
                ClientId = Guid.NewGuid(),
                RegistrationScope = StateScope.CurrentUser,
                UserId = Guid.NewGuid().ToString("D"),
                UserDisplayName = "Test User",
                AuthorizationServer = "https://app.vssps.visualstudio.com",
                CallbackUrl = "https://samplecorp.pipelines.com/oauth2/azureDevOps",
                ProfileUrl = "https://app.vssps.visualstudio.com",
                Scopes = new List<string> { "vso.code_write" },
                ConnectedOn = DateTimeOffset.UtcNow,
                AccessTokenExpiresOn = DateTimeOffset.UtcNow + left,
                Generation = 1,
            };
            store.Replace(document, "access-0", refreshToken, CancellationToken.None);
            return store;
        }

        private string[] Secrets(string prefix) =>
            Directory.Exists(Path.Combine(_root, "secrets"))
                ? Directory.GetFiles(Path.Combine(_root, "secrets"), prefix + "*").Select(f => Path.GetFileName(f)!).OrderBy(n => n, StringComparer.Ordinal).ToArray()
                : Array.Empty<string>();

        /// <summary>Every broker asks for the token at the same moment (each on its own thread).</summary>
        private static async Task<AccessTokenResult[]> AllAtOnce(IEnumerable<TokenBroker> brokers)
        {
            using (var start = new ManualResetEventSlim())
            {
                Task<AccessTokenResult>[] callers = brokers
                    .Select(broker => Task.Run(() =>
                    {
                        start.Wait();
                        return broker.GetAccessTokenAsync(false, null, CancellationToken.None);
                    }))
                    .ToArray();
                start.Set();
                return await Task.WhenAll(callers);
            }
        }

        [Fact]
        public async Task ATokenWithMoreThanTheMarginLeftIsHandedOutWithoutARefresh()
        {
            var server = new FakeTokenServer("refresh-0");
            ConnectionStore store = Connected(TokenBroker.RefreshMargin + TimeSpan.FromMinutes(1));
            AccessTokenResult token = await Broker(store, server).GetAccessTokenAsync(false, null, CancellationToken.None);
            Assert.Equal("access-0", token.Token);
            Assert.False(token.Refreshed);
            Assert.Equal(0, server.Exchanges);
            Assert.True(Broker(NewStore(), server).TryGetStoredAccessToken(DateTimeOffset.UtcNow, out AccessTokenResult? stored));
            Assert.Equal("access-0", stored!.Token);
        }

        [Fact]
        public async Task ATokenWithinTheMarginIsRefreshedFirst()
        {
            var server = new FakeTokenServer("refresh-0");
            ConnectionStore store = Connected(TokenBroker.RefreshMargin - TimeSpan.FromMinutes(1));
            Assert.False(Broker(NewStore(), server).TryGetStoredAccessToken(DateTimeOffset.UtcNow, out _));
            AccessTokenResult token = await Broker(store, server).GetAccessTokenAsync(false, null, CancellationToken.None);
            Assert.Equal("access-1", token.Token);
            Assert.True(token.Refreshed);
            Assert.Equal(1, server.Exchanges);
            ConnectionDocument stored = NewStore().Get()!;
            Assert.Equal(2, stored.Generation);
            Assert.True(stored.AccessTokenExpiresOn > DateTimeOffset.UtcNow + TimeSpan.FromMinutes(55));
            Assert.NotNull(stored.RefreshedOn);
            Assert.Null(stored.PendingRefreshTokenSecret);
        }

        [Fact]
        public async Task ManyThreadsOnAnExpiredTokenCauseExactlyOneRefresh()
        {
            var server = new FakeTokenServer("refresh-0") { Delay = TimeSpan.FromMilliseconds(300) };
            ConnectionStore store = Connected(TimeSpan.FromMinutes(-1));
            TokenBroker broker = Broker(store, server);
            AccessTokenResult[] tokens = await AllAtOnce(Enumerable.Repeat(broker, 16));
            Assert.Equal(1, server.Exchanges);
            Assert.All(tokens, t => Assert.Equal("access-1", t.Token));
            Assert.Single(tokens, t => t.Refreshed);
        }

        [Fact]
        public async Task ManyProcessesOnAnExpiredTokenCauseExactlyOneRefreshAndAllGetItsToken()
        {
            // Each broker has its own store, vault and lock handle over the same folder, as separate processes would.
            var server = new FakeTokenServer("refresh-0") { Delay = TimeSpan.FromMilliseconds(300) };
            Connected(TimeSpan.FromMinutes(-1));
            AccessTokenResult[] tokens = await AllAtOnce(Enumerable.Range(0, 8).Select(_ => Broker(NewStore(), server)));
            Assert.Equal(1, server.Exchanges);
            Assert.Equal(1, server.MostConcurrent);
            Assert.All(tokens, t => Assert.Equal("access-1", t.Token));

            Assert.Equal(new[] { "connection-refresh-" }, Secrets("connection-refresh-").Select(n => n.Substring(0, "connection-refresh-".Length)).ToArray());
        }

        [Fact]
        public async Task TheRotatedRefreshTokenIsPersistedSoTheNextProcessCanRefreshAgain()
        {
            var server = new FakeTokenServer("refresh-0");
            Connected(TimeSpan.FromMinutes(-1));
            for (int round = 1; round <= 3; round++)
            {
                // A new process each round: only what is on disk carries the rotation forward.
                AccessTokenResult token = await Broker(NewStore(), server).GetAccessTokenAsync(forceRefresh: true, null, CancellationToken.None);
                Assert.Equal("access-" + round, token.Token);
            }

            Assert.Equal(3, server.Exchanges);
            Assert.Equal(4, NewStore().Get()!.Generation);
            Assert.Single(Secrets("connection-refresh-"));
            Assert.Single(Secrets("connection-access-"));
        }

        [Fact]
        public async Task ARefusedRefreshPutsConnectionJsonBackByteForByteAndLeavesNoSecretBehind()
        {
            var server = new FakeTokenServer("refresh-0") { Refuse = true };
            ConnectionStore store = Connected(TimeSpan.FromMinutes(-1));
            byte[] before = File.ReadAllBytes(store.DocumentPath);
            string[] secretsBefore = Secrets("connection-");
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => Broker(store, server).GetAccessTokenAsync(false, null, CancellationToken.None));
            Assert.Equal("OAuthRefreshFailed", ex.ErrorId);
            Assert.Equal(before, File.ReadAllBytes(store.DocumentPath));
            Assert.Equal(secretsBefore, Secrets("connection-"));
            Assert.Equal(1, server.Prepared);

            // Nothing was lost: once the server accepts again, the stored refresh token still works.
            server.Refuse = false;
            Assert.Equal("access-1", (await Broker(NewStore(), server).GetAccessTokenAsync(false, null, CancellationToken.None)).Token);
        }

        [Fact]
        public async Task AProcessKilledAfterTheAnswerArrivedLeavesTheNewRefreshTokenJournaledAndTheNextCallUsesIt()
        {
            // What a refresh killed between writing the rotated refresh token and recording it leaves on disk: the
            // journal entry in connection.json naming a vault secret that holds the new refresh token; the server has
            // rotated, so the recorded refresh token is dead.
            var server = new FakeTokenServer("refresh-0");
            ConnectionStore store = Connected(TimeSpan.FromMinutes(-1));
            string rotated = server.RotateBehindTheBrokersBack();
            ConnectionDocument journal = ConnectionStore.Clone(store.Get()!);
            journal.PendingRefreshTokenSecret = "connection-refresh-killed00000";
            store.WriteSecret(journal.PendingRefreshTokenSecret, rotated);
            store.Write(journal);

            AccessTokenResult token = await Broker(NewStore(), server).GetAccessTokenAsync(false, null, CancellationToken.None);
            Assert.True(token.Refreshed);
            Assert.Equal(1, server.Exchanges);
            ConnectionDocument after = NewStore().Get()!;
            Assert.Null(after.PendingRefreshTokenSecret);
            Assert.Single(Secrets("connection-refresh-"));
        }

        [Fact]
        public async Task AProcessKilledBeforeTheAnswerLeavesAnEmptyJournalEntryAndTheRecordedRefreshTokenStillWorks()
        {
            // Killed after the journal was written and the vault file prepared, before the server answered (or rotated).
            var server = new FakeTokenServer("refresh-0");
            ConnectionStore store = Connected(TimeSpan.FromMinutes(-1));
            ConnectionDocument journal = ConnectionStore.Clone(store.Get()!);
            journal.PendingRefreshTokenSecret = "connection-refresh-killed00001";
            store.Write(journal);
            using (store.Vault.Prepare(journal.PendingRefreshTokenSecret))
            {
            }

            AccessTokenResult token = await Broker(NewStore(), server).GetAccessTokenAsync(false, null, CancellationToken.None);
            Assert.Equal("access-1", token.Token);
            Assert.Null(NewStore().Get()!.PendingRefreshTokenSecret);
        }

        [Fact]
        public async Task ForceRefreshAlwaysAsksTheServerAndTheNewTokenIsCachedForThisProcess()
        {
            var server = new FakeTokenServer("refresh-0");
            ConnectionStore store = Connected(TimeSpan.FromHours(1));
            TokenBroker broker = Broker(store, server);
            AccessTokenResult forced = await broker.GetAccessTokenAsync(forceRefresh: true, null, CancellationToken.None);
            Assert.Equal("access-1", forced.Token);
            Assert.True(broker.TryGetCachedAccessToken(DateTimeOffset.UtcNow, out AccessTokenResult? cached));
            Assert.Equal("access-1", cached!.Token);
            Assert.Equal(1, server.Exchanges);
        }

        [Fact]
        public async Task NoConnectionIsNotConnected()
        {
            var server = new FakeTokenServer("refresh-0");
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => Broker(NewStore(), server).GetAccessTokenAsync(false, null, CancellationToken.None));
            Assert.Equal("NotConnected", ex.ErrorId);
            Assert.Equal(0, server.Exchanges);
        }
    }
}
