using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>
    /// The user's connection at rest: connection.json in the CurrentUser store and its tokens in the vault, under names
    /// that change with every generation (a new generation is written under new names, then the document, then the old
    /// names are dropped), the cross-process lock, and the caches of MSAL that belong to a connection.
    /// </summary>
    public sealed class ConnectionStore
    {
        /// <summary>The longest token any service issues; longer ones are refused before anything is replaced.</summary>
        public const int MaxTokenLength = 64 * 1024;

        private const string LockName = "connection";
        private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(120);

        public ConnectionStore(StateStore store)
        {
            Store = store ?? throw new ArgumentNullException(nameof(store));
            Vault = new SecretVault(store);
            Pending = new PendingSignIns(store);
        }

        public StateStore Store { get; }

        public SecretVault Vault { get; }

        /// <summary>Sign-ins started in one command and finished in another (the paste path).</summary>
        public PendingSignIns Pending { get; }

        public string DocumentPath => Store.GetPath(ConnectionDocument.FileName);

        public ConnectionDocument? Get() => Store.Read<ConnectionDocument>(ConnectionDocument.FileName, ConnectionDocument.DocumentKind, ConnectionDocument.CurrentVersion);

        public static PfaException NotConnected(string path) => new PfaException(
            ErrorIds.NotConnected,
            PfaErrorKind.NotFound,
            "You have not connected Azure DevOps in this account yet (or disconnected). Run Connect-PfaAzureDevOps.",
            path);

        /// <summary>The connection lock: one writer at a time across threads and processes.</summary>
        public IDisposable Lock(CancellationToken cancellationToken = default) => Store.Lock(LockName, LockTimeout, cancellationToken);

        /// <summary>Rewrites the document (atomically); the tokens are not touched.</summary>
        public void Write(ConnectionDocument document) => Store.Write(ConnectionDocument.FileName, document, ownerOnly: true);

        /// <summary>
        /// A Connect: under the lock, replaces any previous connection (an unreadable one is moved aside) with
        /// <paramref name="document"/> and its tokens, drops the pending sign-in and sweeps leftovers.
        /// </summary>
        public void Replace(ConnectionDocument document, string accessToken, string? refreshToken, CancellationToken cancellationToken)
        {
            using (Lock(cancellationToken))
            {
                ConnectionDocument? previous = TryGetForReplace();
                Save(document, accessToken, refreshToken, previous, NewSecretSuffix(), refreshTokenWritten: null);
                Pending.Delete();
                StoreSweeper.Sweep(Store);
            }
        }

        /// <summary>A renewal that brings no refresh token of ours (Entra): the new access token and generation (called under the lock).</summary>
        public void SaveRenewedAccessToken(ConnectionDocument next, string accessToken) =>
            Save(next, accessToken, null, Get(), NewSecretSuffix(), refreshTokenWritten: null);

        /// <summary>A refresh whose rotated refresh token is already in the vault under <paramref name="refreshTokenWritten"/> (called under the lock).</summary>
        internal void SaveRefreshed(ConnectionDocument next, string accessToken, ConnectionDocument previous, string suffix, string refreshTokenWritten) =>
            Save(next, accessToken, null, previous, suffix, refreshTokenWritten);

        /// <summary>
        /// Disconnect: under the lock, forgets the connection and its tokens, the pending sign-in, and every MSAL token cache
        /// of the vault (of this connection and any it replaced). Returns what was removed, null when the document was
        /// unreadable (moved aside); throws NotConnected when there was none.
        /// </summary>
        public ConnectionDocument? Remove(out int msalCachesDeleted)
        {
            msalCachesDeleted = 0;
            using (Lock())
            {
                AccessTokenCache.Forget(DocumentPath);
                ConnectionDocument? existing;
                try
                {
                    existing = Get();
                }
                catch (PfaException ex) when (StateStore.IsUnreadable(ex))
                {
                    MoveAside();
                    Pending.Delete();
                    msalCachesDeleted = DeleteMsalCaches(keep: Array.Empty<string>());
                    return null;
                }

                if (existing is null)
                {
                    Pending.Delete();
                    DeleteMsalCaches(keep: Array.Empty<string>());
                    throw NotConnected(DocumentPath);
                }

                Store.Delete(ConnectionDocument.FileName);
                DeleteSecrets(existing);
                Pending.Delete();
                msalCachesDeleted = DeleteMsalCaches(keep: Array.Empty<string>());
                StoreSweeper.Sweep(Store);
                return existing;
            }
        }

        public void WriteSecret(string name, string value)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(value);
            try
            {
                Vault.Write(name, bytes);
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
            }
        }

        /// <summary>A secret of the connection, read the way the document says it was stored; null when it is gone.</summary>
        public string? ReadSecret(ConnectionDocument document, string name)
        {
            byte[]? bytes = document.TokenStorage == ConnectionDocument.FileStorage && !RuntimeInformation.IsOSPlatform(OSPlatform.Windows)
                ? SecretVaultFiles.ReadUnprotected(Vault, name)
                : Vault.Read(name);
            if (bytes is null)
            {
                return null;
            }

            try
            {
                return Encoding.UTF8.GetString(bytes);
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
            }
        }

        /// <summary>Deletes a secret; a leftover is harmless (no document names it), so failures are ignored.</summary>
        public void DeleteSecret(string? name)
        {
            if (string.IsNullOrEmpty(name))
            {
                return;
            }

            try
            {
                Vault.Delete(name!);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is PfaException)
            {
            }
        }

        /// <summary>
        /// Deletes MSAL's token caches (user and app-token) from the user's vault, except <paramref name="keep"/>: every
        /// cache file in the vault folder, not only the ones a document names, so caches of connections replaced by
        /// older versions go too. Returns how many were deleted.
        /// </summary>
        public int DeleteMsalCaches(IReadOnlyCollection<string> keep)
        {
            int deleted = 0;
            string[] files;
            try
            {
                files = Directory.Exists(Vault.Directory) ? Directory.GetFiles(Vault.Directory, MsalCacheNames.Prefix + "*.bin") : Array.Empty<string>();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return 0;
            }

            foreach (string file in files)
            {
                string name = Path.GetFileNameWithoutExtension(file);
                if (keep.Contains(name, StringComparer.Ordinal))
                {
                    continue;
                }

                try
                {
                    Vault.Delete(name);
                    deleted++;
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is PfaException)
                {
                }
            }

            return deleted;
        }

        /// <summary>connection.json as it is on disk (for <see cref="Restore"/>).</summary>
        internal byte[] ReadDocumentBytes() => File.ReadAllBytes(DocumentPath);

        /// <summary>Puts connection.json back byte for byte (a failed refresh changes nothing stored).</summary>
        internal void Restore(byte[]? original)
        {
            if (original == null)
            {
                return;
            }

            try
            {
                StateStore.WriteAtomic(DocumentPath, original, ownerOnly: true);
            }
            catch (PfaException)
            {
                // The journal entry left in place is harmless: it names a secret that does not exist.
            }
        }

        internal static string NewSecretSuffix() => Guid.NewGuid().ToString("N").Substring(0, 12);

        public static ConnectionDocument Clone(ConnectionDocument source)
        {
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(source, StateStore.JsonOptions);
            return JsonSerializer.Deserialize<ConnectionDocument>(json, StateStore.JsonOptions)!;
        }

        private ConnectionDocument? TryGetForReplace()
        {
            try
            {
                return Get();
            }
            catch (PfaException ex) when (StateStore.IsUnreadable(ex))
            {
                MoveAside();
                return null;
            }
        }

        private void MoveAside() => Store.MoveAside(ConnectionDocument.FileName);

        /// <param name="refreshTokenWritten">The vault name the refresh token was already written to (a refresh); it is kept on failure.</param>
        private void Save(ConnectionDocument document, string accessToken, string? refreshToken, ConnectionDocument? previous, string suffix, string? refreshTokenWritten)
        {
            // Every flow ends here: a token no service issues (empty, or megabytes) replaces nothing that is stored.
            if (string.IsNullOrEmpty(accessToken) || accessToken.Length > MaxTokenLength || (refreshToken != null && refreshToken.Length > MaxTokenLength))
            {
                throw new PfaException(
                    ErrorIds.TokenInvalid,
                    PfaErrorKind.ProtocolError,
                    $"The token to store is empty or longer than {MaxTokenLength / 1024} KB, which no Azure DevOps or Microsoft Entra ID token is, so nothing was stored and the previous connection (if any) is kept. Check the token (or the server that issued it) and connect again.",
                    DocumentPath);
            }

            document.AccessTokenSecret = "connection-access-" + suffix;
            document.RefreshTokenSecret = refreshTokenWritten ?? (refreshToken != null ? "connection-refresh-" + suffix : string.Empty);
            document.TokenStorage = Vault.IsProtected ? ConnectionDocument.ProtectedStorage : ConnectionDocument.FileStorage;
            document.PendingRefreshTokenSecret = null;
            try
            {
                if (refreshToken != null)
                {
                    WriteSecret(document.RefreshTokenSecret, refreshToken);
                }

                WriteSecret(document.AccessTokenSecret, accessToken);
                Write(document);
            }
            catch
            {
                Vault.Delete(document.AccessTokenSecret);
                if (refreshToken != null)
                {
                    Vault.Delete(document.RefreshTokenSecret);
                }

                throw;
            }

            AccessTokenCache.Remember(DocumentPath, document, accessToken);
            if (previous != null)
            {
                DeleteSecrets(previous, keepOf: document);
                if (document.Generation <= 1)
                {
                    // A Connect replaced the connection: the replaced one's MSAL caches go with it (a renewal keeps them).
                    DeleteMsalCaches(keep: MsalCacheNames.ForConnection(document));
                }
            }
        }

        private void DeleteSecrets(ConnectionDocument document, ConnectionDocument? keepOf = null)
        {
            foreach (string? name in new[] { document.AccessTokenSecret, document.RefreshTokenSecret, document.PendingRefreshTokenSecret, document.ServicePrincipalSecret })
            {
                if (string.IsNullOrEmpty(name) || (keepOf != null && (name == keepOf.AccessTokenSecret || name == keepOf.RefreshTokenSecret || name == keepOf.ServicePrincipalSecret)))
                {
                    continue;
                }

                DeleteSecret(name);
            }
        }
    }
}
