using System;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Rest;
using PfaAzureDevOps.Core.SignIn.AzureDevOpsOAuth;
using PfaAzureDevOps.Core.SignIn.Entra;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.SignIn
{
    /// <summary>
    /// The user's Azure DevOps connection as the cmdlets use it: what is stored (<see cref="ConnectionStore"/>), access
    /// tokens (<see cref="TokenBroker"/>, wired here to the Azure DevOps OAuth refresh and, only when an Entra connection
    /// is renewed, the Entra renewal), choosing the organization after sign-in, and disconnecting. (It was ConnectionService
    /// before signing in moved into the providers of <see cref="SignInService"/>.)
    /// </summary>
    public sealed class UserConnection
    {
        /// <summary>Tokens with less than this left are refreshed before they are handed out.</summary>
        public static readonly TimeSpan RefreshMargin = TokenBroker.RefreshMargin;

        private OAuthTokenClient? _tokenClient;
        private AzureDevOpsRestClient? _restClient;

        public UserConnection()
            : this(new StateStore(StateScope.CurrentUser))
        {
        }

        public UserConnection(StateStore store)
        {
            Storage = new ConnectionStore(store);
            Broker = new TokenBroker(Storage, new AzureDevOpsOAuthRefresh(() => TokenClient), NewEntraRenewal);
        }

        /// <summary>connection.json, its tokens in the vault, the lock.</summary>
        public ConnectionStore Storage { get; }

        public TokenBroker Broker { get; }

        public StateStore Store => Storage.Store;

        public SecretVault Vault => Storage.Vault;

        public PendingSignIns Pending => Storage.Pending;

        public string DocumentPath => Storage.DocumentPath;

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

        public ConnectionDocument? Get() => Storage.Get();

        public static PfaException NotConnected(string path) => ConnectionStore.NotConnected(path);

        /// <summary>The registration in effect: the current user's own, else the instance's (AllUsers).</summary>
        public static RegistrationService FindRegistration(out AppRegistration registration) => RegistrationLookup.InEffect(out registration);

        public static PfaException RegistrationNotFound() => RegistrationLookup.NotFound();

        // ---- Access tokens -------------------------------------------------------------------------

        /// <inheritdoc cref="TokenBroker.TryGetCachedAccessToken"/>
        public bool TryGetCachedAccessToken(DateTimeOffset now, out AccessTokenResult? result) => Broker.TryGetCachedAccessToken(now, out result);

        /// <inheritdoc cref="TokenBroker.TryGetStoredAccessToken"/>
        public bool TryGetStoredAccessToken(DateTimeOffset now, out AccessTokenResult? result) => Broker.TryGetStoredAccessToken(now, out result);

        /// <inheritdoc cref="TokenBroker.GetAccessTokenAsync"/>
        public Task<AccessTokenResult> GetAccessTokenAsync(bool forceRefresh, Action<string>? log, CancellationToken cancellationToken) =>
            Broker.GetAccessTokenAsync(forceRefresh, log, cancellationToken);

        // ---- After sign-in ---------------------------------------------------------------------------

        /// <summary>
        /// Records the organization of an existing connection (chosen after sign-in from the discovered ones): checks
        /// access with the connection's token, then rewrites the document; the tokens are not touched.
        /// </summary>
        public async Task<ConnectionDocument> SelectOrganizationAsync(string name, Action<string>? log, CancellationToken cancellationToken)
        {
            AccessTokenResult token = await GetAccessTokenAsync(false, log, cancellationToken).ConfigureAwait(false);
            using (Storage.Lock(cancellationToken))
            {
                ConnectionDocument document = Get() ?? throw NotConnected(DocumentPath);
                Uri organizationUrl = AzureDevOpsUrls.Organization(name, null, document.Provider == IdentityProvider.EntraId ? document.ProfileUrl : document.AuthorizationServer)
                    ?? throw new PfaException(ErrorIds.InvalidOrganization, PfaErrorKind.InvalidArgument, "Give an organization name, such as 'contoso' for https://dev.azure.com/contoso.", name);
                await OrganizationAccess.CheckAsync(RestClient, document, name, organizationUrl, token.Token, log, cancellationToken).ConfigureAwait(false);
                Storage.Write(document);
                return document;
            }
        }

        // ---- Disconnect ----------------------------------------------------------------------------

        /// <summary>How many MSAL token caches the last <see cref="Disconnect"/> deleted.</summary>
        public int MsalCachesDeleted { get; private set; }

        /// <summary>
        /// Forgets the connection and its tokens, and every MSAL token cache of the user's vault (user and app tokens, of
        /// this connection and of any it replaced); returns what was removed (null: it was unreadable and moved aside),
        /// or throws NotConnected.
        /// </summary>
        public ConnectionDocument? Disconnect()
        {
            ConnectionDocument? removed = Storage.Remove(out int deleted);
            MsalCachesDeleted = deleted;
            return removed;
        }

        // Apart, so nothing on the Azure DevOps OAuth path makes the Entra renewal.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private ITokenRenewal NewEntraRenewal() => new EntraRenewal(this);
    }
}
