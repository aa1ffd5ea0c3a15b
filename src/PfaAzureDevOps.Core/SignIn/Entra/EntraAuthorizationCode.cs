using System;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>
    /// A confidential Entra ID client's sign-in at the instance callback: the authorization code + PKCE. The link and its
    /// pending state (the PKCE verifier in the vault) are saved, so the address the browser ends on can come back in a
    /// later session (the paste path, -CallbackUri); redeeming it records the connection.
    /// </summary>
    internal sealed class EntraAuthorizationCode
    {
        private const string VerifierPrefix = "entra-pkce-";

        private readonly SignInContext _context;
        private readonly UserConnection _connection;
        private readonly RegistrationService _registrations;
        private readonly AppRegistration _registration;
        private readonly Action<string>? _log;

        public EntraAuthorizationCode(SignInContext context, Action<string>? log)
        {
            _context = context;
            _connection = context.Connections;
            _registrations = context.RequireRegistrations();
            _registration = context.RequireRegistration();
            _log = log;
        }

        /// <summary>Starts a sign-in; the pending state (and the PKCE verifier, in the vault) is saved for the paste path.</summary>
        public async Task<Uri> BeginAsync(CancellationToken cancellationToken)
        {
            EntraAuthorizationRequest request = await EntraSignIn.TokenProvider(_registrations, _registration, _log).CreateAuthorizationRequestAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            string verifierName = VerifierPrefix + Guid.NewGuid().ToString("N").Substring(0, 12);
            _connection.Storage.WriteSecret(verifierName, request.CodeVerifier);
            DropPendingVerifier();
            var pending = new PendingAuthorization
            {
                ClientId = _registration.ClientId,
                State = request.State,
                AuthorizationServer = _registration.AuthorizationServer,
                CallbackUrl = _registration.CallbackUrl,
                Scopes = _registration.Scopes.ToList(),
                CreatedOn = DateTimeOffset.UtcNow,
                CodeVerifierSecret = verifierName,
            };
            _connection.Pending.Save(pending);
            return request.Url;
        }

        /// <summary>Redeems the address the browser ended on at the instance callback, then records the connection.</summary>
        public async Task<ConnectionDocument> CompleteAsync(Uri returned, CancellationToken cancellationToken)
        {
            string pendingPath = _connection.Store.GetPath(PendingAuthorization.FileName);
            PendingAuthorization? pending = _connection.Pending.Read();
            if (pending is null || pending.CodeVerifierSecret is null)
            {
                throw new PfaException(ErrorIds.NoPendingAuthorization, PfaErrorKind.InvalidOperation, "No Microsoft Entra ID sign-in is waiting for an answer in this account. Run Connect-PfaAzureDevOps -NoBrowser to get a sign-in link, sign in, then pass the address the browser ended on with -CallbackUri.", pendingPath);
            }

            if (DateTimeOffset.UtcNow - pending.CreatedOn > PendingAuthorization.Lifetime || pending.ClientId != _registration.ClientId)
            {
                DropPendingVerifier();
                _connection.Pending.Delete();
                throw new PfaException(ErrorIds.PendingAuthorizationExpired, PfaErrorKind.InvalidOperation, $"The sign-in link was made more than {PendingAuthorization.Lifetime.TotalMinutes:0} minutes ago or for another application. Run Connect-PfaAzureDevOps -NoBrowser again for a new link.", pendingPath);
            }

            byte[]? verifierBytes = _connection.Vault.Read(pending.CodeVerifierSecret);
            if (verifierBytes is null)
            {
                throw new PfaException(ErrorIds.NoPendingAuthorization, PfaErrorKind.InvalidOperation, "The pending sign-in's PKCE verifier is gone. Run Connect-PfaAzureDevOps -NoBrowser again for a new link.", pendingPath);
            }

            string verifier = Encoding.UTF8.GetString(verifierBytes);
            Array.Clear(verifierBytes, 0, verifierBytes.Length);
            var request = new EntraAuthorizationRequest(returned, pending.State, verifier, _registration.CallbackUrl);
            EntraToken token = await EntraSignIn.TokenProvider(_registrations, _registration, _log).RedeemAuthorizationCodeAsync(request, returned, cancellationToken).ConfigureAwait(false);
            DropPendingVerifier();
            var recorder = new EntraConnectionRecorder(_context, _log);
            return await recorder.RecordAsync(recorder.NewDocument(EntraFlow.AuthorizationCode), token, cancellationToken).ConfigureAwait(false);
        }

        private void DropPendingVerifier()
        {
            try
            {
                PendingAuthorization? old = _connection.Pending.Read();
                if (old?.CodeVerifierSecret != null)
                {
                    _connection.Vault.Delete(old.CodeVerifierSecret);
                }
            }
            catch (PfaException)
            {
                // An unreadable pending file is replaced anyway.
            }
        }
    }
}
