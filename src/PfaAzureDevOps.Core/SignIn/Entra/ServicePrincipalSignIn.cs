using System;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>A Microsoft Entra ID service principal: a client secret, or a certificate (thumbprint in the user's store, or a file).</summary>
    public sealed class ServicePrincipalSignIn : ISignInProvider
    {
        public string Name => "Microsoft Entra ID (service principal)";

        public bool CanSignIn(SignInContext context) => context.IsEntra && context.Request.Method == SignInMethod.ServicePrincipal;

        public async Task<ConnectionDocument?> SignInAsync(SignInContext context, ISignInUser user, CancellationToken cancellationToken)
        {
            EntraSignIn.Describe(context, user);
            SignInRequest request = context.Request;
            AppRegistration registration = context.RequireRegistration();
            char[]? secret = request.ClientSecret;
            string? thumbprint = null;
            string? path = null;
            if (secret is null && string.IsNullOrEmpty(request.CertificateThumbprint) == string.IsNullOrEmpty(request.CertificatePath))
            {
                throw new PfaException(ErrorIds.CertificateRequired, PfaErrorKind.InvalidArgument, "A service principal with a certificate needs exactly one of -CertificateThumbprint (CurrentUser\\My store) or -CertificatePath (.pfx, or PEM with its private key).", "CertificatePath");
            }
            else if (secret is null)
            {
                thumbprint = string.IsNullOrEmpty(request.CertificateThumbprint) ? null : request.CertificateThumbprint;
                path = string.IsNullOrEmpty(request.CertificatePath) ? null : request.CertificatePath;
            }

            if (!user.Confirm(context.Target, "Connect as a service principal"))
            {
                return null;
            }

            var recorder = new EntraConnectionRecorder(context, user.Verbose);
            ConnectionDocument document = recorder.NewDocument(EntraFlow.ServicePrincipal);
            Guid clientId = request.ClientId ?? registration.ClientId;
            string tenant = request.TenantId ?? registration.TenantId ?? throw new PfaException(ErrorIds.EntraTenantRequired, PfaErrorKind.InvalidArgument, "A service principal signs in to one tenant: give -TenantId (or register the app with -TenantId).", "TenantId");
            document.ClientId = clientId;
            document.TenantId = tenant;
            document.CertificatePath = path;
            document.CertificateThumbprint = thumbprint;
            ServicePrincipalCredential credential = EntraSignIn.Credential(clientId, tenant, secret, thumbprint, path);

            // Always asks Entra: a token in MSAL's app cache says nothing about the secret given now.
            EntraToken token = await EntraTokenProvider.AcquireForServicePrincipalAsync(credential, registration.AuthorizationServer, context.Connections.Store, EntraSignIn.Options(user.Verbose), forceRefresh: true, cancellationToken).ConfigureAwait(false);
            if (secret != null)
            {
                document.ServicePrincipalSecret = "entra-sp-secret-" + Guid.NewGuid().ToString("N").Substring(0, 12);
                context.Connections.Storage.WriteSecret(document.ServicePrincipalSecret, new string(secret));
            }

            return await recorder.RecordAsync(document, token, cancellationToken).ConfigureAwait(false);
        }
    }
}
