using System;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Interaction;
using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>
    /// A person signing in with a Microsoft Entra ID application: a public client through the system browser (MSAL's
    /// own loopback) or the device code; a confidential client through the instance's callback with the authorization
    /// code + PKCE (received here when the callback is a loopback address, else pasted back or given with -CallbackUri).
    /// </summary>
    public sealed class EntraUserSignIn : ISignInProvider
    {
        private const string LinkText = "Open this link to sign in with your Microsoft Entra ID account:";

        public string Name => "Microsoft Entra ID (user)";

        public bool CanSignIn(SignInContext context) =>
            context.IsEntra && (context.Request.Method == SignInMethod.Browser || context.Request.Method == SignInMethod.CallbackUri || context.Request.Method == SignInMethod.DeviceCode);

        public async Task<ConnectionDocument?> SignInAsync(SignInContext context, ISignInUser user, CancellationToken cancellationToken)
        {
            EntraSignIn.Describe(context, user);
            SignInRequest request = context.Request;
            AppRegistration registration = context.RequireRegistration();
            bool confidential = EntraClient.IsConfidential(registration);
            switch (request.Method)
            {
                case SignInMethod.CallbackUri:
                    if (!user.Confirm(context.Target, "Connect through Microsoft Entra ID (authorization code)"))
                    {
                        return null;
                    }

                    return await new EntraAuthorizationCode(context, user.Verbose).CompleteAsync(request.ReturnedAddress ?? throw new ArgumentException("No address.", nameof(context)), cancellationToken).ConfigureAwait(false);

                case SignInMethod.DeviceCode:
                    if (confidential)
                    {
                        throw new PfaException(
                            ErrorIds.EntraConfidentialClientInteractive,
                            PfaErrorKind.InvalidOperation,
                            "-UseDeviceCode is for public clients; the registered Entra app is a confidential client (it has a client secret), so its users sign in through the instance's callback: run Connect-PfaAzureDevOps (or -NoBrowser, then -CallbackUri).",
                            "-UseDeviceCode");
                    }

                    if (!user.Confirm(context.Target, "Connect through Microsoft Entra ID (device code)"))
                    {
                        return null;
                    }

                    return await WithDeviceCodeAsync(context, user, cancellationToken).ConfigureAwait(false);

                default:
                    return confidential
                        ? await AtInstanceCallbackAsync(context, user, cancellationToken).ConfigureAwait(false)
                        : await InSystemBrowserAsync(context, user, cancellationToken).ConfigureAwait(false);
            }
        }

        private static async Task<ConnectionDocument?> AtInstanceCallbackAsync(SignInContext context, ISignInUser user, CancellationToken cancellationToken)
        {
            SignInRequest request = context.Request;
            AppRegistration registration = context.RequireRegistration();
            var callback = new Uri(registration.CallbackUrl);
            BrowserSignIn.RequireSomeoneToAnswer(callback, request, user, entra: true);
            if (!user.Confirm(context.Target, "Connect through Microsoft Entra ID (authorization code + PKCE at the instance callback)"))
            {
                return null;
            }

            var authorizationCode = new EntraAuthorizationCode(context, user.Verbose);
            Uri url = await authorizationCode.BeginAsync(cancellationToken).ConfigureAwait(false);
            Uri? returned = BrowserSignIn.CanListenOnLoopback(callback)
                ? await BrowserSignIn.ReceiveRedirectAsync(url, callback, LoopbackListener.QueryValue(url.Query, "state"), LinkText, request, user, cancellationToken).ConfigureAwait(false)
                : BrowserSignIn.AskForAddress(url, callback, LinkText, "After signing in", request, user, cancellationToken);
            if (returned is null)
            {
                return null;
            }

            return await authorizationCode.CompleteAsync(returned, cancellationToken).ConfigureAwait(false);
        }

        private static async Task<ConnectionDocument?> InSystemBrowserAsync(SignInContext context, ISignInUser user, CancellationToken cancellationToken)
        {
            SignInRequest request = context.Request;
            AppRegistration registration = context.RequireRegistration();
            if (!request.Preview && (request.NoBrowser || (!BrowserLauncher.CanOpen() && !user.CanPrompt)))
            {
                throw new PfaException(ErrorIds.BrowserUnavailable, PfaErrorKind.ResourceUnavailable, "No browser can be opened in this session (no desktop and no $env:BROWSER), and MSAL's sign-in needs one on this machine. Use Connect-PfaAzureDevOps -UseDeviceCode to sign in from another device's browser.", registration.ClientId);
            }

            if (!BrowserLauncher.CanOpen())
            {
                user.Warning("No browser seems available here; if the sign-in does not open, press Ctrl+C and use Connect-PfaAzureDevOps -UseDeviceCode.");
            }

            if (!user.Confirm(context.Target, "Connect through Microsoft Entra ID (system browser)"))
            {
                return null;
            }

            EntraTokenProviderOptions options = EntraSignIn.Options(user.Verbose);
            options.InteractiveTimeout = request.Timeout;
            user.Show($"Sign in in the browser that opens; waiting up to {request.Timeout.TotalSeconds:0} s (Ctrl+C stops).");
            EntraToken token = await EntraSignIn.TokenProvider(context.RequireRegistrations(), registration, options).AcquireInteractiveAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var recorder = new EntraConnectionRecorder(context, user.Verbose);
            return await recorder.RecordAsync(recorder.NewDocument(EntraFlow.Interactive), token, cancellationToken).ConfigureAwait(false);
        }

        private static async Task<ConnectionDocument> WithDeviceCodeAsync(SignInContext context, ISignInUser user, CancellationToken cancellationToken)
        {
            EntraToken token = await EntraSignIn.TokenProvider(context.RequireRegistrations(), context.RequireRegistration(), user.Verbose).AcquireWithDeviceCodeAsync(
                prompt =>
                {
                    user.ShowDeviceCode(prompt.Message);
                    return Task.CompletedTask;
                },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            var recorder = new EntraConnectionRecorder(context, user.Verbose);
            return await recorder.RecordAsync(recorder.NewDocument(EntraFlow.DeviceCode), token, cancellationToken).ConfigureAwait(false);
        }
    }
}
