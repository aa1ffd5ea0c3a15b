using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>
    /// Hands out the connection's access token and renews it: a token with less than <see cref="RefreshMargin"/> left is
    /// renewed first. Renewals are serialised across threads and processes by the connection lock, and the document is
    /// read again once the lock is held, so any number of callers on an expired token cause one refresh. An Azure DevOps
    /// OAuth refresh rotates the refresh token: its new vault name is journaled in connection.json before the request,
    /// the new refresh token is the first thing written when the answer arrives, and a refresh that fails puts
    /// connection.json back byte for byte.
    /// </summary>
    public sealed class TokenBroker
    {
        /// <summary>Tokens with less than this left are renewed before they are handed out.</summary>
        public static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

        private readonly ConnectionStore _store;
        private readonly IRefreshTokenClient _refresh;
        private readonly Func<ITokenRenewal> _entra;

        /// <param name="refresh">Azure DevOps OAuth: the refresh-token exchange.</param>
        /// <param name="entra">Microsoft Entra ID: made only when an Entra connection is renewed (it reaches MSAL).</param>
        public TokenBroker(ConnectionStore store, IRefreshTokenClient refresh, Func<ITokenRenewal> entra)
        {
            _store = store ?? throw new ArgumentNullException(nameof(store));
            _refresh = refresh ?? throw new ArgumentNullException(nameof(refresh));
            _entra = entra ?? throw new ArgumentNullException(nameof(entra));
        }

        private string DocumentPath => _store.DocumentPath;

        /// <summary>
        /// The fast path: the access token cached in this process, when the connection file has not changed since
        /// (one stat) and the token has more than the refresh margin left. No lock, no vault, no network.
        /// </summary>
        public bool TryGetCachedAccessToken(DateTimeOffset now, out AccessTokenResult? result) =>
            AccessTokenCache.TryGet(DocumentPath, now, RefreshMargin, out result);

        /// <summary>
        /// The cheap path without a lock or the network: the cached token, else the stored one when it has more than
        /// the refresh margin left. Reads only the few fields it needs (no serializer start-up in a cold process).
        /// False when a refresh (or a full read, for its errors) is needed.
        /// </summary>
        public bool TryGetStoredAccessToken(DateTimeOffset now, out AccessTokenResult? result)
        {
            if (AccessTokenCache.TryGet(DocumentPath, now, RefreshMargin, out result))
            {
                return true;
            }

            result = null;
            byte[] bytes;
            try
            {
                byte[]? read = Rules.FileRules.ReadStoreFile(DocumentPath, StateStore.MaxDocumentBytes);
                if (read is null)
                {
                    return false;
                }

                bytes = read;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is PfaException)
            {
                // The full read (slow path) reports what is wrong.
                return false;
            }

            string? secretName;
            string? storage;
            DateTimeOffset expiresOn;
            try
            {
                using (JsonDocument json = JsonDocument.Parse(bytes))
                {
                    JsonElement root = json.RootElement;
                    if (root.ValueKind != JsonValueKind.Object
                        || !root.TryGetProperty("kind", out JsonElement kind) || kind.ValueKind != JsonValueKind.String || kind.GetString() != ConnectionDocument.DocumentKind
                        || !root.TryGetProperty("schemaVersion", out JsonElement version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out int versionNumber) || versionNumber != ConnectionDocument.CurrentVersion
                        || !root.TryGetProperty("accessTokenExpiresOn", out JsonElement expires) || expires.ValueKind != JsonValueKind.String || !expires.TryGetDateTimeOffset(out expiresOn)
                        || !root.TryGetProperty("accessTokenSecret", out JsonElement secret) || secret.ValueKind != JsonValueKind.String)
                    {
                        return false;
                    }

                    secretName = secret.GetString();
                    storage = root.TryGetProperty("tokenStorage", out JsonElement storageElement) && storageElement.ValueKind == JsonValueKind.String ? storageElement.GetString() : null;
                }
            }
            catch (JsonException)
            {
                return false;
            }

            if (string.IsNullOrEmpty(secretName) || !SecretVault.IsValidName(secretName) || expiresOn - now <= RefreshMargin)
            {
                return false;
            }

            var document = new ConnectionDocument { AccessTokenSecret = secretName!, AccessTokenExpiresOn = expiresOn, TokenStorage = storage ?? ConnectionDocument.ProtectedStorage };
            string? token = _store.ReadSecret(document, secretName!);
            if (token is null)
            {
                return false;
            }

            AccessTokenCache.Remember(DocumentPath, document, token);
            result = new AccessTokenResult(token, expiresOn, refreshed: false);
            return true;
        }

        /// <summary>A valid access token: cached, read from the store, or renewed (once across threads and processes).</summary>
        public async Task<AccessTokenResult> GetAccessTokenAsync(bool forceRefresh, Action<string>? log, CancellationToken cancellationToken)
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            if (!forceRefresh && TryGetCachedAccessToken(now, out AccessTokenResult? cached))
            {
                return cached!;
            }

            long seenGeneration = -1;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                ConnectionDocument document = _store.Get() ?? throw ConnectionStore.NotConnected(DocumentPath);
                seenGeneration = document.Generation;
                if (forceRefresh || !IsFresh(document, now))
                {
                    break;
                }

                string? token = _store.ReadSecret(document, document.AccessTokenSecret);
                if (token != null)
                {
                    AccessTokenCache.Remember(DocumentPath, document, token);
                    return new AccessTokenResult(token, document.AccessTokenExpiresOn, refreshed: false);
                }

                // The document was replaced between the two reads (its old tokens are gone): read it again.
            }

            log?.Invoke("The access token expires within five minutes; waiting for the connection lock to refresh it.");
            using (_store.Lock(cancellationToken))
            {
                // Read again under the lock: another process may have refreshed while this one waited.
                ConnectionDocument document = _store.Get() ?? throw ConnectionStore.NotConnected(DocumentPath);
                now = DateTimeOffset.UtcNow;
                bool someoneElseRefreshed = document.Generation != seenGeneration;
                if ((!forceRefresh && IsFresh(document, now)) || (forceRefresh && someoneElseRefreshed && IsFresh(document, now)))
                {
                    string? token = _store.ReadSecret(document, document.AccessTokenSecret);
                    if (token != null)
                    {
                        log?.Invoke("Another process refreshed the token meanwhile; using its token.");
                        AccessTokenCache.Remember(DocumentPath, document, token);
                        return new AccessTokenResult(token, document.AccessTokenExpiresOn, refreshed: false);
                    }
                }

                if (document.Provider == IdentityProvider.EntraId)
                {
                    return await RenewEntraAsync(document, forceRefresh, log, cancellationToken).ConfigureAwait(false);
                }

                return await RefreshLockedAsync(document, log).ConfigureAwait(false);
            }
        }

        // Apart, so the Azure DevOps OAuth path never makes the Entra renewal (which reaches MSAL).
        [MethodImpl(MethodImplOptions.NoInlining)]
        private Task<AccessTokenResult> RenewEntraAsync(ConnectionDocument document, bool forceRefresh, Action<string>? log, CancellationToken cancellationToken) =>
            _entra().RenewAsync(document, forceRefresh, log, cancellationToken);

        private static bool IsFresh(ConnectionDocument document, DateTimeOffset now) => document.AccessTokenExpiresOn - now > RefreshMargin;

        private async Task<AccessTokenResult> RefreshLockedAsync(ConnectionDocument document, Action<string>? log)
        {
            // A refresh token newer than the recorded one, from a refresh whose process died before recording it (the journal).
            string? journaled = !string.IsNullOrEmpty(document.PendingRefreshTokenSecret) && document.PendingRefreshTokenSecret != document.RefreshTokenSecret
                ? _store.ReadSecret(document, document.PendingRefreshTokenSecret!)
                : null;
            if (journaled != null)
            {
                log?.Invoke("Using the refresh token of an interrupted refresh (it arrived but its process ended before recording it).");
            }

            string refreshToken = journaled ?? _store.ReadSecret(document, document.RefreshTokenSecret) ?? throw new PfaException(
                ErrorIds.ConnectionTokensMissing,
                PfaErrorKind.InvalidData,
                $"The connection's refresh token is missing from {_store.Vault.ProtectionDescription} (it was saved by another account or machine, or deleted). Run Connect-PfaAzureDevOps to connect again.",
                DocumentPath);
            if (journaled != null)
            {
                // Adopt it as the current one, so the journal entry can be reused for the next token.
                ConnectionDocument adopted = ConnectionStore.Clone(document);
                adopted.RefreshTokenSecret = document.PendingRefreshTokenSecret!;
                adopted.PendingRefreshTokenSecret = null;
                _store.Write(adopted);
                _store.DeleteSecret(document.RefreshTokenSecret);
                document = adopted;
            }

            _refresh.Prepare(document, log);

            // Everything the new refresh token needs on its way to disk is ready before the request is sent: its vault
            // name is in the journal, the vault is probed and open. Between the server's rotation and the token being on
            // disk there is then only the answer's transfer and one file write.
            string suffix = ConnectionStore.NewSecretSuffix();
            string nextRefreshName = "connection-refresh-" + suffix;
            SecretVault.PreparedSecret nextRefresh;
            byte[]? original = null;
            try
            {
                // The document as it is, so a refresh that fails leaves it exactly so (the journal is only for a refresh that succeeds).
                original = _store.ReadDocumentBytes();
                ConnectionDocument journal = ConnectionStore.Clone(document);
                journal.PendingRefreshTokenSecret = nextRefreshName;
                _store.Write(journal);
                document = journal;
                nextRefresh = _store.Vault.Prepare(nextRefreshName);
            }
            catch
            {
                _store.Restore(original);
                throw;
            }

            using (nextRefresh)
            {
                return await RefreshAndSaveAsync(document, refreshToken, nextRefresh, suffix, original, log).ConfigureAwait(false);
            }
        }

        private async Task<AccessTokenResult> RefreshAndSaveAsync(ConnectionDocument document, string refreshToken, SecretVault.PreparedSecret nextRefresh, string suffix, byte[]? original, Action<string>? log)
        {
            string nextRefreshName = nextRefresh.Name;
            RefreshedTokens tokens;
            try
            {
                // Not cancellable once sent (its own time limit still applies): a refresh the server made but this process
                // never read would leave only a dead refresh token behind.
                tokens = await _refresh.RefreshAsync(document, refreshToken, log, CancellationToken.None).ConfigureAwait(false);
            }
            catch
            {
                // Refused or unreadable: no new refresh token exists here, so the journal entry and its empty file go.
                nextRefresh.Dispose();
                _store.DeleteSecret(nextRefreshName);
                _store.Restore(original);
                throw;
            }

            // The old refresh token is dead from here on: the new one goes to disk first, before anything else.
            // No cancellation from now on: stopping half-way would lose the only valid refresh token.
            byte[] refreshBytes = Encoding.UTF8.GetBytes(tokens.RefreshToken);
            try
            {
                nextRefresh.Write(refreshBytes);
            }
            finally
            {
                Array.Clear(refreshBytes, 0, refreshBytes.Length);
            }

            ConnectionDocument next = ConnectionStore.Clone(document);
            next.Generation = document.Generation + 1;
            next.RefreshedOn = DateTimeOffset.UtcNow;
            next.AccessTokenExpiresOn = tokens.ExpiresOn;
            next.PendingRefreshTokenSecret = null;
            _store.SaveRefreshed(next, tokens.AccessToken, document, suffix, refreshTokenWritten: nextRefreshName);
            log?.Invoke($"Refreshed; the new access token expires at {tokens.ExpiresOn:u}.");
            StoreSweeper.Sweep(_store.Store);
            return new AccessTokenResult(tokens.AccessToken, tokens.ExpiresOn, refreshed: true);
        }
    }
}
