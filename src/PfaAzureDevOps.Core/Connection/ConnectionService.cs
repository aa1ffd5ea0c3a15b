// Over 450 lines: not yet split by responsibility. The split is the structure step (issue 12); see
// docs/ARCHITECTURE.md, "Known structural debt", for what goes where.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Rest;
using PfaAzureDevOps.Core.SignIn.AzureDevOpsOAuth;
using PfaAzureDevOps.Core.SignIn.Entra;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.Connection
{
    /// <summary>What Connect-PfaAzureDevOps was told about where to look.</summary>
    public sealed class ConnectOptions
    {
        public string? Organization { get; set; }

        public Uri? OrganizationUrl { get; set; }

        public Uri? ProfileUrl { get; set; }
    }

    /// <summary>An access token handed to a caller, with its expiry. Never printed.</summary>
    public sealed class AccessTokenResult
    {
        public AccessTokenResult(string token, DateTimeOffset expiresOn, bool refreshed)
        {
            Token = token;
            ExpiresOn = expiresOn;
            Refreshed = refreshed;
        }

        public string Token { get; }

        public DateTimeOffset ExpiresOn { get; }

        public bool Refreshed { get; }

        public override string ToString() => $"access token (expires {ExpiresOn:u})";
    }

    /// <summary>
    /// The user's Azure DevOps connection: connects (code redemption, profile, organization), stores it in the
    /// CurrentUser store with the tokens in the vault, hands out access tokens and refreshes them. Refreshes
    /// are serialised across processes by a lock, with the document read again after the lock is taken, so any
    /// number of processes on an expired token cause one refresh; the rotated refresh token is saved before
    /// the new access token is handed out.
    /// </summary>
    public sealed class ConnectionService
    {
        /// <summary>Tokens with less than this left are refreshed before they are handed out.</summary>
        public static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

        private const string LockName = "connection";
        private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(120);

        public ConnectionService()
            : this(new StateStore(StateScope.CurrentUser))
        {
        }

        public ConnectionService(StateStore store)
        {
            Store = store;
            Vault = new SecretVault(store);
        }

        public StateStore Store { get; }

        public SecretVault Vault { get; }

        public string DocumentPath => Store.GetPath(ConnectionDocument.FileName);

        private OAuthTokenClient? _tokenClient;
        private AzureDevOpsRestClient? _restClient;

        /// <summary>Made on first use, so the token fast path never starts the HTTP stack.</summary>
        public OAuthTokenClient TokenClient
        {
            get => _tokenClient ??= new OAuthTokenClient();
            set => _tokenClient = value;
        }

        public AzureDevOpsRestClient RestClient
        {
            get => _restClient ??= new AzureDevOpsRestClient();
            set => _restClient = value;
        }

        public ConnectionDocument? Get() => Store.Read<ConnectionDocument>(ConnectionDocument.FileName, ConnectionDocument.DocumentKind, ConnectionDocument.CurrentVersion);

        public static PfaException NotConnected(string path) => new PfaException(
            "NotConnected",
            PfaErrorKind.NotFound,
            "You have not connected Azure DevOps in this account yet (or disconnected). Run Connect-PfaAzureDevOps.",
            path);

        // ---- Registration ---------------------------------------------------------------------------

        /// <summary>The registration in effect: the current user's own, else the instance's (AllUsers).</summary>
        public static RegistrationService FindRegistration(out AppRegistration registration)
        {
            foreach (StateScope scope in new[] { StateScope.CurrentUser, StateScope.AllUsers })
            {
                var service = new RegistrationService(scope);
                AppRegistration? found = service.Get();
                if (found != null)
                {
                    registration = found;
                    return service;
                }
            }

            throw RegistrationNotFound();
        }

        public static PfaException RegistrationNotFound() => new PfaException(
            "RegistrationNotFound",
            PfaErrorKind.NotFound,
            "No Azure DevOps application is registered, so there is nothing to connect with. An administrator registers one with Register-PfaAzureDevOpsApp first.",
            "AllUsers");

        public static void RequireAzureDevOpsProvider(AppRegistration registration)
        {
            if (registration.Provider != IdentityProvider.AzureDevOps)
            {
                throw new PfaException(
                    "ProviderNotSupported",
                    PfaErrorKind.InvalidOperation,
                    $"The registered application ({registration.ClientId}) is a Microsoft Entra ID application; Connect-PfaAzureDevOps connects through an Azure DevOps OAuth application (provider AzureDevOps). Register one with Register-PfaAzureDevOpsApp -Provider AzureDevOps.",
                    registration.ClientId);
            }
        }

        public static AuthorizationRequest Begin(AppRegistration registration) =>
            new AuthorizationRequest(new Uri(registration.AuthorizationServer), registration.ClientId, new Uri(registration.CallbackUrl), registration.Scopes);

        // ---- The paste path: an authorization started in one command and finished in another ----------

        public void SavePending(AuthorizationRequest request, DateTimeOffset now)
        {
            var pending = new PendingAuthorization
            {
                ClientId = request.ClientId,
                State = request.State,
                AuthorizationServer = request.AuthorizationServer.AbsoluteUri,
                CallbackUrl = request.CallbackUrl.AbsoluteUri,
                Scopes = request.Scopes.ToList(),
                CreatedOn = now,
            };
            Store.Write(PendingAuthorization.FileName, pending, ownerOnly: true);
        }

        /// <summary>The pending authorization for this registration, checked for age and application.</summary>
        public AuthorizationRequest LoadPending(AppRegistration registration, DateTimeOffset now)
        {
            PendingAuthorization? pending = Store.Read<PendingAuthorization>(PendingAuthorization.FileName, PendingAuthorization.DocumentKind, PendingAuthorization.CurrentVersion);
            if (pending is null)
            {
                throw new PfaException("NoPendingAuthorization", PfaErrorKind.InvalidOperation, "No sign-in is waiting for an answer in this account. Run Connect-PfaAzureDevOps -NoBrowser to get a sign-in link, open it, click Accept, then pass the address the browser ended on with -CallbackUri.", Store.GetPath(PendingAuthorization.FileName));
            }

            if (now - pending.CreatedOn > PendingAuthorization.Lifetime || pending.ClientId != registration.ClientId || !string.Equals(pending.CallbackUrl, registration.CallbackUrl, StringComparison.Ordinal))
            {
                Store.Delete(PendingAuthorization.FileName);
                throw new PfaException("PendingAuthorizationExpired", PfaErrorKind.InvalidOperation, $"The sign-in link was made more than {PendingAuthorization.Lifetime.TotalMinutes:0} minutes ago or for another application. Run Connect-PfaAzureDevOps -NoBrowser again for a new link.", Store.GetPath(PendingAuthorization.FileName));
            }

            return new AuthorizationRequest(new Uri(pending.AuthorizationServer), pending.ClientId, new Uri(pending.CallbackUrl), pending.Scopes, pending.State);
        }

        public void DeletePending() => Store.Delete(PendingAuthorization.FileName);

        // ---- Connect -------------------------------------------------------------------------------

        /// <summary>
        /// Finishes a sign-in: checks the returned address, redeems the code, reads who connected (and the
        /// organization), and replaces any previous connection.
        /// </summary>
        public async Task<ConnectionDocument> CompleteAsync(
            AuthorizationRequest request, Uri returned, RegistrationService registrationService, AppRegistration registration,
            ConnectOptions options, Action<string>? log, CancellationToken cancellationToken)
        {
            string code = request.ReadCode(returned);
            Uri? organizationUrl = AzureDevOpsUrls.Organization(options.Organization, options.OrganizationUrl, registration.AuthorizationServer);
            Uri profileBase = AzureDevOpsUrls.Profile(options.ProfileUrl, registration.AuthorizationServer);

            TokenResponse tokens;
            char[] secret = registrationService.ReadClientSecret(registration) ?? throw new PfaException("ClientSecretMissing", PfaErrorKind.InvalidData, "The registered Azure DevOps application has no client secret. The administrator stores it with Set-PfaAzureDevOpsApp -ClientSecret.", registrationService.DocumentPath);
            try
            {
                log?.Invoke($"Redeeming the authorization code at {OAuthTokenClient.TokenEndpoint(request.AuthorizationServer)}.");
                tokens = await TokenClient.RedeemCodeAsync(request.AuthorizationServer, secret, code, request.CallbackUrl, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Array.Clear(secret, 0, secret.Length);
            }

            var document = new ConnectionDocument
            {
                Provider = registration.Provider,
                ClientId = registration.ClientId,
                RegistrationScope = registrationService.Store.Scope,
                AuthorizationServer = request.AuthorizationServer.AbsoluteUri.TrimEnd('/'),
                CallbackUrl = request.CallbackUrl.AbsoluteUri,
                ProfileUrl = profileBase.AbsoluteUri.TrimEnd('/'),
                Scopes = (tokens.Scope ?? string.Join(" ", request.Scopes)).Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries).ToList(),
                ConnectedOn = DateTimeOffset.UtcNow,
                AccessTokenExpiresOn = tokens.ExpiresOn,
                Generation = 1,
            };

            Uri profileUrl = new Uri(document.ProfileUrl + "/_apis/profile/profiles/me?api-version=" + AzureDevOpsRestClient.ApiVersion);
            log?.Invoke($"Reading who connected from {profileUrl.GetLeftPart(UriPartial.Path)}.");
            using (JsonDocument profile = await RestClient.GetAsync(profileUrl, tokens.AccessToken, cancellationToken).ConfigureAwait(false))
            {
                document.UserId = AzureDevOpsHttp.ReadString(profile.RootElement, "id") ?? string.Empty;
                document.UserDisplayName = AzureDevOpsHttp.ReadString(profile.RootElement, "displayName");
                document.UserEmail = AzureDevOpsHttp.ReadString(profile.RootElement, "emailAddress");
                document.UserPublicAlias = AzureDevOpsHttp.ReadString(profile.RootElement, "publicAlias");
                if (string.IsNullOrEmpty(document.UserId))
                {
                    throw new PfaException("ProfileInvalid", PfaErrorKind.ProtocolError, $"The profile at {profileUrl.GetLeftPart(UriPartial.Path)} has no user id. Check -ProfileUrl.", profileUrl.GetLeftPart(UriPartial.Path));
                }
            }

            string? organizationName = options.Organization;
            if (organizationUrl is null)
            {
                DiscoveredOrganizations found = await OrganizationDiscovery.DiscoverAsync(RestClient, profileBase, document.UserPublicAlias ?? document.UserId, tokens.AccessToken, log, cancellationToken).ConfigureAwait(false);
                document.KnownOrganizations = found.UnavailableReason is null ? found.Names.ToList() : null;
                if (found.Names.Count == 1)
                {
                    organizationName = found.Names[0];
                    organizationUrl = AzureDevOpsUrls.Organization(organizationName, null, registration.AuthorizationServer);
                }
            }

            if (organizationUrl != null)
            {
                await CheckOrganizationAsync(document, organizationName, organizationUrl, tokens.AccessToken, log, cancellationToken).ConfigureAwait(false);
            }

            using (Store.Lock(LockName, LockTimeout, cancellationToken))
            {
                ConnectionDocument? previous = TryGetForReplace();
                Save(document, tokens, previous);
                DeletePending();
                StoreSweeper.Sweep(Store);
            }

            return document;
        }

        /// <summary>The organization's instanceId from a connectionData answer; anything else is not an organization.</summary>
        internal static string ReadOrganizationId(JsonElement root, Uri connectionData)
        {
            string? instanceId = AzureDevOpsHttp.ReadString(root, "instanceId");
            if (!Guid.TryParse(instanceId, out Guid organizationId))
            {
                throw new PfaException(
                    "AzureDevOpsInvalidResponse",
                    PfaErrorKind.ProtocolError,
                    $"{Rules.UrlRules.Redact(connectionData)} did not answer with an Azure DevOps organization (no instanceId), so the connection was not saved. Check -Organization and -OrganizationUrl.",
                    Rules.UrlRules.Redact(connectionData));
            }

            return organizationId.ToString("D");
        }

        /// <summary>Checks the token reaches the organization (connectionData) and records it in the document.</summary>
        internal async Task CheckOrganizationAsync(ConnectionDocument document, string? name, Uri organizationUrl, string accessToken, Action<string>? log, CancellationToken cancellationToken)
        {
            Uri connectionData = new Uri(organizationUrl.AbsoluteUri.TrimEnd('/') + "/_apis/connectionData");
            log?.Invoke($"Checking access to the organization at {connectionData.GetLeftPart(UriPartial.Path)}.");
            using (JsonDocument data = await RestClient.GetAsync(connectionData, accessToken, cancellationToken).ConfigureAwait(false))
            {
                document.OrganizationId = ReadOrganizationId(data.RootElement, connectionData);
            }

            document.OrganizationUrl = organizationUrl.AbsoluteUri.TrimEnd('/');
            document.Organization = string.IsNullOrWhiteSpace(name) ? AzureDevOpsUrls.NameFrom(organizationUrl) : name!.Trim();
        }

        /// <summary>
        /// Records the organization of an existing connection (chosen after sign-in from the discovered ones): checks
        /// access with the connection's token, then rewrites the document; the tokens are not touched.
        /// </summary>
        public async Task<ConnectionDocument> SelectOrganizationAsync(string name, Action<string>? log, CancellationToken cancellationToken)
        {
            AccessTokenResult token = await GetAccessTokenAsync(false, log, cancellationToken).ConfigureAwait(false);
            using (Store.Lock(LockName, LockTimeout, cancellationToken))
            {
                ConnectionDocument document = Get() ?? throw NotConnected(DocumentPath);
                Uri organizationUrl = AzureDevOpsUrls.Organization(name, null, document.Provider == IdentityProvider.EntraId ? document.ProfileUrl : document.AuthorizationServer)
                    ?? throw new PfaException("InvalidOrganization", PfaErrorKind.InvalidArgument, "Give an organization name, such as 'contoso' for https://dev.azure.com/contoso.", name);
                await CheckOrganizationAsync(document, name, organizationUrl, token.Token, log, cancellationToken).ConfigureAwait(false);
                Store.Write(ConnectionDocument.FileName, document, ownerOnly: true);
                return document;
            }
        }

        private ConnectionDocument? TryGetForReplace()
        {
            try
            {
                return Get();
            }
            catch (PfaException ex) when (ex.ErrorId == "StoreFileCorrupt" || ex.ErrorId == "StoreVersionUnsupported")
            {
                MoveAside();
                return null;
            }
        }

        private void MoveAside()
        {
            string aside = DocumentPath + ".unreadable-" + DateTime.UtcNow.ToString("yyyyMMddHHmmss");
            File.Move(DocumentPath, aside);
        }

        /// <summary>Writes a new generation of tokens under new names, then the document (atomically), then drops the old tokens.</summary>
        private void Save(ConnectionDocument document, TokenResponse tokens, ConnectionDocument? previous) =>
            Save(document, tokens.AccessToken, tokens.RefreshToken, previous);

        /// <summary>Saves an Entra ID connection (its refresh token, if any, lives in MSAL's cache): replaces any previous one.</summary>
        internal void SaveEntra(ConnectionDocument document, string accessToken, bool replace, CancellationToken cancellationToken)
        {
            if (replace)
            {
                using (Store.Lock(LockName, LockTimeout, cancellationToken))
                {
                    ConnectionDocument? previous = TryGetForReplace();
                    Save(document, accessToken, null, previous);
                    DeletePending();
                    StoreSweeper.Sweep(Store);
                }
            }
            else
            {
                ConnectionDocument? previous = Get();
                Save(document, accessToken, null, previous);
            }
        }

        internal void WriteVaultSecret(string name, string value) => WriteSecret(name, value);

        internal string? ReadVaultSecret(ConnectionDocument document, string name) => ReadSecret(document, name);

        internal IDisposable LockConnection(CancellationToken cancellationToken) => Store.Lock(LockName, LockTimeout, cancellationToken);

        private void Save(ConnectionDocument document, string accessToken, string? refreshToken, ConnectionDocument? previous) =>
            Save(document, accessToken, refreshToken, previous, NewSecretSuffix(), refreshTokenWritten: null);

        /// <param name="refreshTokenWritten">The vault name the refresh token was already written to (a refresh); it is kept on failure.</param>
        private void Save(ConnectionDocument document, string accessToken, string? refreshToken, ConnectionDocument? previous, string suffix, string? refreshTokenWritten)
        {
            // Every flow ends here: a token no service issues (empty, or megabytes) replaces nothing that is stored.
            if (string.IsNullOrEmpty(accessToken) || accessToken.Length > OAuthTokenClient.MaxTokenLength || (refreshToken != null && refreshToken.Length > OAuthTokenClient.MaxTokenLength))
            {
                throw new PfaException(
                    "TokenInvalid",
                    PfaErrorKind.ProtocolError,
                    $"The token to store is empty or longer than {OAuthTokenClient.MaxTokenLength / 1024} KB, which no Azure DevOps or Microsoft Entra ID token is, so nothing was stored and the previous connection (if any) is kept. Check the token (or the server that issued it) and connect again.",
                    DocumentPath);
            }

            bool isProtected = Vault.IsProtected;
            document.AccessTokenSecret = "connection-access-" + suffix;
            document.RefreshTokenSecret = refreshTokenWritten ?? (refreshToken != null ? "connection-refresh-" + suffix : string.Empty);
            document.TokenStorage = isProtected ? ConnectionDocument.ProtectedStorage : ConnectionDocument.FileStorage;
            document.PendingRefreshTokenSecret = null;
            try
            {
                if (refreshToken != null)
                {
                    WriteSecret(document.RefreshTokenSecret, refreshToken);
                }

                WriteSecret(document.AccessTokenSecret, accessToken);
                Store.Write(ConnectionDocument.FileName, document, ownerOnly: true);
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
                    DeleteMsalCaches(keep: SignIn.Entra.MsalCacheNames.ForConnection(document));
                }
            }
        }

        /// <summary>
        /// Deletes MSAL's token caches (user and app-token) from the user's vault, except <paramref name="keep"/>: every
        /// cache file in the vault folder, not only the ones a document names, so caches of connections replaced by
        /// older versions go too. Returns how many were deleted.
        /// </summary>
        internal int DeleteMsalCaches(IReadOnlyCollection<string> keep)
        {
            int deleted = 0;
            string[] files;
            try
            {
                files = Directory.Exists(Vault.Directory) ? Directory.GetFiles(Vault.Directory, SignIn.Entra.MsalCacheNames.Prefix + "*.bin") : Array.Empty<string>();
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

        private void WriteSecret(string name, string value)
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

        private string? ReadSecret(ConnectionDocument document, string name)
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

        private void DeleteSecrets(ConnectionDocument document, ConnectionDocument? keepOf = null)
        {
            foreach (string? name in new[] { document.AccessTokenSecret, document.RefreshTokenSecret, document.PendingRefreshTokenSecret, document.ServicePrincipalSecret })
            {
                if (string.IsNullOrEmpty(name) || (keepOf != null && (name == keepOf.AccessTokenSecret || name == keepOf.RefreshTokenSecret || name == keepOf.ServicePrincipalSecret)))
                {
                    continue;
                }

                try
                {
                    Vault.Delete(name!);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is PfaException)
                {
                    // A leftover token of an older generation is harmless; the document no longer names it.
                }
            }
        }

        // ---- Disconnect ----------------------------------------------------------------------------

        /// <summary>How many MSAL token caches the last <see cref="Disconnect"/> deleted.</summary>
        public int MsalCachesDeleted { get; private set; }

        /// <summary>
        /// Forgets the connection and its tokens, and every MSAL token cache of the user's vault (user and app tokens, of
        /// this connection and of any it replaced); returns what was removed, or throws NotConnected.
        /// </summary>
        public ConnectionDocument? Disconnect()
        {
            using (Store.Lock(LockName, LockTimeout))
            {
                AccessTokenCache.Forget(DocumentPath);
                ConnectionDocument? existing;
                try
                {
                    existing = Get();
                }
                catch (PfaException ex) when (ex.ErrorId == "StoreFileCorrupt" || ex.ErrorId == "StoreVersionUnsupported")
                {
                    MoveAside();
                    DeletePending();
                    DeleteMsalCaches(keep: Array.Empty<string>());
                    return null;
                }

                if (existing is null)
                {
                    DeletePending();
                    DeleteMsalCaches(keep: Array.Empty<string>());
                    throw NotConnected(DocumentPath);
                }

                Store.Delete(ConnectionDocument.FileName);
                DeleteSecrets(existing);
                DeletePending();
                MsalCachesDeleted = DeleteMsalCaches(keep: Array.Empty<string>());
                StoreSweeper.Sweep(Store);
                return existing;
            }
        }

        // ---- Access tokens -------------------------------------------------------------------------

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
            string? token = ReadSecret(document, secretName!);
            if (token is null)
            {
                return false;
            }

            AccessTokenCache.Remember(DocumentPath, document, token);
            result = new AccessTokenResult(token, expiresOn, refreshed: false);
            return true;
        }

        /// <summary>A valid access token: cached, read from the store, or refreshed (once across processes).</summary>
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
                ConnectionDocument document = Get() ?? throw NotConnected(DocumentPath);
                seenGeneration = document.Generation;
                if (forceRefresh || !IsFresh(document, now))
                {
                    break;
                }

                string? token = ReadSecret(document, document.AccessTokenSecret);
                if (token != null)
                {
                    AccessTokenCache.Remember(DocumentPath, document, token);
                    return new AccessTokenResult(token, document.AccessTokenExpiresOn, refreshed: false);
                }

                // The document was replaced between the two reads (its old tokens are gone): read it again.
            }

            log?.Invoke("The access token expires within five minutes; waiting for the connection lock to refresh it.");
            using (Store.Lock(LockName, LockTimeout, cancellationToken))
            {
                // Read again under the lock: another process may have refreshed while this one waited.
                ConnectionDocument document = Get() ?? throw NotConnected(DocumentPath);
                if (document.Provider == IdentityProvider.EntraId)
                {
                    return await RenewEntraAsync(document, forceRefresh, seenGeneration, log, cancellationToken).ConfigureAwait(false);
                }

                now = DateTimeOffset.UtcNow;
                bool someoneElseRefreshed = document.Generation != seenGeneration;
                if ((!forceRefresh && IsFresh(document, now)) || (forceRefresh && someoneElseRefreshed && IsFresh(document, now)))
                {
                    string? token = ReadSecret(document, document.AccessTokenSecret);
                    if (token != null)
                    {
                        log?.Invoke("Another process refreshed the token meanwhile; using its token.");
                        AccessTokenCache.Remember(DocumentPath, document, token);
                        return new AccessTokenResult(token, document.AccessTokenExpiresOn, refreshed: false);
                    }
                }

                return await RefreshLockedAsync(document, log, cancellationToken).ConfigureAwait(false);
            }
        }

        // Kept apart so the Azure DevOps OAuth path never loads MSAL (only EntraConnector's body touches it).
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private Task<AccessTokenResult> RenewEntraAsync(ConnectionDocument document, bool forceRefresh, long seenGeneration, Action<string>? log, CancellationToken cancellationToken)
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            if (document.Generation != seenGeneration && IsFresh(document, now) && !forceRefresh)
            {
                string? token = ReadSecret(document, document.AccessTokenSecret);
                if (token != null)
                {
                    return Task.FromResult(new AccessTokenResult(token, document.AccessTokenExpiresOn, refreshed: false));
                }
            }

            return EntraConnector.RenewAsync(this, document, forceRefresh, log, cancellationToken);
        }

        private static bool IsFresh(ConnectionDocument document, DateTimeOffset now) => document.AccessTokenExpiresOn - now > RefreshMargin;

        private async Task<AccessTokenResult> RefreshLockedAsync(ConnectionDocument document, Action<string>? log, CancellationToken cancellationToken)
        {
            // A refresh token newer than the recorded one, from a refresh whose process died before recording it (the journal).
            string? journaled = !string.IsNullOrEmpty(document.PendingRefreshTokenSecret) && document.PendingRefreshTokenSecret != document.RefreshTokenSecret
                ? ReadSecret(document, document.PendingRefreshTokenSecret!)
                : null;
            if (journaled != null)
            {
                log?.Invoke("Using the refresh token of an interrupted refresh (it arrived but its process ended before recording it).");
            }

            string refreshToken = journaled ?? ReadSecret(document, document.RefreshTokenSecret) ?? throw new PfaException(
                "ConnectionTokensMissing",
                PfaErrorKind.InvalidData,
                $"The connection's refresh token is missing from {Vault.ProtectionDescription} (it was saved by another account or machine, or deleted). Run Connect-PfaAzureDevOps to connect again.",
                DocumentPath);
            if (journaled != null)
            {
                // Adopt it as the current one, so the journal entry can be reused for the next token.
                ConnectionDocument adopted = Clone(document);
                adopted.RefreshTokenSecret = document.PendingRefreshTokenSecret!;
                adopted.PendingRefreshTokenSecret = null;
                Store.Write(ConnectionDocument.FileName, adopted, ownerOnly: true);
                DeleteSecret(document.RefreshTokenSecret);
                document = adopted;
            }

            RegistrationService registrationService = FindRegistrationFor(document, out AppRegistration registration);
            char[] secret = registrationService.ReadClientSecret(registration) ?? throw new PfaException("ClientSecretMissing", PfaErrorKind.InvalidData, "The registered Azure DevOps application has no client secret. The administrator stores it with Set-PfaAzureDevOpsApp -ClientSecret.", registrationService.DocumentPath);

            // Everything the new refresh token needs on its way to disk is ready before the request is sent: its vault
            // name is in the journal, the vault is probed and open. Between the server's rotation and the token being on
            // disk there is then only the answer's transfer and one file write.
            string suffix = NewSecretSuffix();
            string nextRefreshName = "connection-refresh-" + suffix;
            SecretVault.PreparedSecret nextRefresh;
            byte[]? original = null;
            try
            {
                // The document as it is, so a refresh that fails leaves it exactly so (the journal is only for a refresh that succeeds).
                original = File.ReadAllBytes(DocumentPath);
                ConnectionDocument journal = Clone(document);
                journal.PendingRefreshTokenSecret = nextRefreshName;
                Store.Write(ConnectionDocument.FileName, journal, ownerOnly: true);
                document = journal;
                nextRefresh = Vault.Prepare(nextRefreshName);

                // Run the answer's parsing once now, so none of it is compiled between the rotation and the write.
                OAuthTokenClient.Parse(WarmUpAnswer, OAuthTokenClient.TokenEndpoint(new Uri(document.AuthorizationServer)), DateTimeOffset.UtcNow);
            }
            catch
            {
                Array.Clear(secret, 0, secret.Length);
                RestoreDocument(original);
                throw;
            }

            using (nextRefresh)
            {
                return await RefreshAndSaveAsync(document, secret, refreshToken, nextRefresh, suffix, original, log).ConfigureAwait(false);
            }
        }

        private async Task<AccessTokenResult> RefreshAndSaveAsync(ConnectionDocument document, char[] secret, string refreshToken, SecretVault.PreparedSecret nextRefresh, string suffix, byte[]? original, Action<string>? log)
        {
            string nextRefreshName = nextRefresh.Name;
            TokenResponse tokens;
            try
            {
                log?.Invoke($"Refreshing the access token at {OAuthTokenClient.TokenEndpoint(new Uri(document.AuthorizationServer))}.");
                // Not cancellable once sent (its own time limit still applies): a refresh the server made but this process
                // never read would leave only a dead refresh token behind.
                tokens = await TokenClient.RefreshAsync(new Uri(document.AuthorizationServer), secret, refreshToken, new Uri(document.CallbackUrl), CancellationToken.None).ConfigureAwait(false);
            }
            catch
            {
                // Refused or unreadable: no new refresh token exists here, so the journal entry and its empty file go.
                nextRefresh.Dispose();
                DeleteSecret(nextRefreshName);
                RestoreDocument(original);
                throw;
            }
            finally
            {
                Array.Clear(secret, 0, secret.Length);
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

            var next = Clone(document);
            next.Generation = document.Generation + 1;
            next.RefreshedOn = DateTimeOffset.UtcNow;
            next.AccessTokenExpiresOn = tokens.ExpiresOn;
            next.PendingRefreshTokenSecret = null;
            Save(next, tokens.AccessToken, null, document, suffix, refreshTokenWritten: nextRefreshName);
            log?.Invoke($"Refreshed; the new access token expires at {tokens.ExpiresOn:u}.");
            StoreSweeper.Sweep(Store);
            return new AccessTokenResult(tokens.AccessToken, tokens.ExpiresOn, refreshed: true);
        }

        private static readonly byte[] WarmUpAnswer = Encoding.UTF8.GetBytes("{\"access_token\":\"a\",\"token_type\":\"jwt-bearer\",\"expires_in\":\"3599\",\"refresh_token\":\"r\",\"scope\":\"vso.code_write\"}");

        /// <summary>Puts connection.json back byte for byte (a failed refresh changes nothing stored).</summary>
        private void RestoreDocument(byte[]? original)
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

        private static string NewSecretSuffix() => Guid.NewGuid().ToString("N").Substring(0, 12);

        private void DeleteSecret(string? name)
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

        internal static RegistrationService FindRegistrationFor(ConnectionDocument document, out AppRegistration registration, bool allowOtherClient = false)
        {
            StateScope other = document.RegistrationScope == StateScope.AllUsers ? StateScope.CurrentUser : StateScope.AllUsers;
            foreach (StateScope scope in new[] { document.RegistrationScope, other })
            {
                var service = new RegistrationService(scope);
                AppRegistration? found = service.Get();
                if (found != null && (found.ClientId == document.ClientId || (allowOtherClient && found.Provider == document.Provider)))
                {
                    registration = found;
                    return service;
                }
            }

            throw new PfaException(
                "ConnectionRegistrationChanged",
                PfaErrorKind.InvalidOperation,
                $"The application that issued this connection's tokens (client ID {document.ClientId}) is no longer registered, so the token cannot be refreshed. Run Connect-PfaAzureDevOps to connect through the application registered now.",
                document.ClientId);
        }

        private static ConnectionDocument Clone(ConnectionDocument source)
        {
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(source, StateStore.JsonOptions);
            return JsonSerializer.Deserialize<ConnectionDocument>(json, StateStore.JsonOptions)!;
        }
    }

    /// <summary>
    /// The access token of this process's last read, keyed by the connection file and its timestamp and size,
    /// so a refresh or disconnect by any process is noticed with one stat.
    /// </summary>
    internal static class AccessTokenCache
    {
        private static readonly object Gate = new object();
        private static Entry? _entry;

        public static bool TryGet(string path, DateTimeOffset now, TimeSpan margin, out AccessTokenResult? result)
        {
            result = null;
            Entry? entry = _entry;
            if (entry is null || !string.Equals(entry.Path, path, StringComparison.Ordinal) || entry.ExpiresOn - now <= margin)
            {
                return false;
            }

            var info = new FileInfo(path);
            if (!info.Exists || info.LastWriteTimeUtc != entry.LastWriteUtc || info.Length != entry.Length)
            {
                return false;
            }

            result = new AccessTokenResult(entry.Token, entry.ExpiresOn, refreshed: false);
            return true;
        }

        public static void Remember(string path, ConnectionDocument document, string token)
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return;
            }

            lock (Gate)
            {
                _entry = new Entry(path, info.LastWriteTimeUtc, info.Length, token, document.AccessTokenExpiresOn);
            }
        }

        public static void Forget(string path)
        {
            lock (Gate)
            {
                if (_entry != null && string.Equals(_entry.Path, path, StringComparison.Ordinal))
                {
                    _entry = null;
                }
            }
        }

        private sealed class Entry
        {
            public Entry(string path, DateTime lastWriteUtc, long length, string token, DateTimeOffset expiresOn)
            {
                Path = path;
                LastWriteUtc = lastWriteUtc;
                Length = length;
                Token = token;
                ExpiresOn = expiresOn;
            }

            public string Path { get; }

            public DateTime LastWriteUtc { get; }

            public long Length { get; }

            public string Token { get; }

            public DateTimeOffset ExpiresOn { get; }
        }
    }
}
