using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Interaction;

namespace PfaAzureDevOps.Core.SignIn
{
    /// <summary>
    /// The browser part of a sign-in, shared by Azure DevOps OAuth and Entra's confidential client: the link, the
    /// browser, and either the redirect received on this machine (the only place the loopback listener is started) or
    /// the address the person pastes back.
    /// </summary>
    public static class BrowserSignIn
    {
        /// <summary>Whether the callback can be received here: plain http on a loopback address with an explicit port.</summary>
        public static bool CanListenOnLoopback(Uri callback) =>
            callback.Scheme == Uri.UriSchemeHttp && Registration.RegistrationRules.IsLoopback(callback) && !callback.IsDefaultPort;

        /// <summary>Shows the link, opens the browser and waits for its redirect on 127.0.0.1 (Ctrl+C stops).</summary>
        public static async Task<Uri> ReceiveRedirectAsync(Uri signInUrl, Uri callback, string? expectedState, string linkText, SignInRequest request, ISignInUser user, CancellationToken cancellationToken)
        {
            using (LoopbackListener listener = LoopbackListener.Start(callback))
            {
                listener.ExpectedState = expectedState;
                ShowLink(signInUrl, linkText, user);
                OpenBrowser(signInUrl, request, user);
                user.Verbose($"Waiting up to {request.Timeout.TotalSeconds:0} seconds for the browser to come back to {callback.GetLeftPart(UriPartial.Path)} (listening on 127.0.0.1:{callback.Port} only).");
                user.Show($"Waiting for you to click Accept in the browser (up to {request.Timeout.TotalSeconds:0} s; Ctrl+C stops).");
                Task<Uri> received = listener.WaitAsync(request.Timeout, cancellationToken);
                Stopwatch watch = Stopwatch.StartNew();
                try
                {
                    while (!received.IsCompleted)
                    {
                        user.Waiting(watch.Elapsed, request.Timeout);
                        await Task.WhenAny(received, Task.Delay(TimeSpan.FromSeconds(1), cancellationToken)).ConfigureAwait(false);
                    }
                }
                finally
                {
                    user.WaitingDone();
                }

                return await received.ConfigureAwait(false);
            }
        }

        /// <summary>
        /// The paste path: shows the link and opens the browser; an interactive person pastes the address the browser
        /// ended on; a script is told how to finish with -CallbackUri (null is returned).
        /// </summary>
        public static Uri? AskForAddress(Uri signInUrl, Uri callback, string linkText, string afterSignIn, SignInRequest request, ISignInUser user)
        {
            ShowLink(signInUrl, linkText, user);
            OpenBrowser(signInUrl, request, user);
            string start = callback.GetLeftPart(UriPartial.Path);
            if (!user.CanPrompt)
            {
                user.Show($"{afterSignIn}, copy the address the browser ended on (it starts with {start}) and run: Connect-PfaAzureDevOps -CallbackUri '<that address>' (within {PendingAuthorization.Lifetime.TotalMinutes:0} minutes).");
                return null;
            }

            string? line = user.ReadLine($"Paste the address the browser ended on (it starts with {start}): ");
            if (string.IsNullOrWhiteSpace(line) || !Uri.TryCreate(line!.Trim(), UriKind.Absolute, out Uri? address))
            {
                throw new PfaException(ErrorIds.CallbackUriInvalid, PfaErrorKind.InvalidArgument, $"That is not an address. Run Connect-PfaAzureDevOps again and paste the whole address from the browser's address bar (it starts with {start}).", start);
            }

            return address;
        }

        /// <summary>Opens the system browser (or $BROWSER) unless -NoBrowser; says so when it cannot.</summary>
        public static void OpenBrowser(Uri url, SignInRequest request, ISignInUser user)
        {
            if (request.NoBrowser)
            {
                return;
            }

            if (!BrowserLauncher.CanOpen())
            {
                user.Warning("No browser can be opened in this session (no desktop and no $env:BROWSER): open the link above in a browser yourself.");
                return;
            }

            using (Process? started = BrowserLauncher.Open(url))
            {
                if (started is null)
                {
                    user.Warning("The browser could not be started: open the link above in a browser yourself.");
                }
                else
                {
                    user.Verbose("Opened the sign-in page in the browser.");
                }
            }
        }

        private static void ShowLink(Uri url, string text, ISignInUser user)
        {
            user.Show(text);
            user.Show(url.AbsoluteUri);
        }
    }
}
