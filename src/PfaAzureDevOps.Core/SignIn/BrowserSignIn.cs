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

        /// <summary>
        /// The one rule for a sign-in that needs a person, checked before anything is asked, saved or opened: in a
        /// non-interactive session (and not -NoBrowser, the first of the two script steps, nor -WhatIf) it fails at once
        /// when nobody could paste the address the browser ends on (a callback elsewhere) or nobody could click Accept
        /// (a loopback callback and no browser), instead of printing a link and ending as if it had signed in.
        /// </summary>
        public static void RequireSomeoneToAnswer(Uri callback, SignInRequest request, ISignInUser user, bool entra)
        {
            if (request.NoBrowser || request.Preview || user.CanPrompt)
            {
                return;
            }

            string pipeline = entra
                ? "A pipeline signs in without a person: -AccessToken <token> -Organization <name>, -ServicePrincipal -ClientId <id> -TenantId <tenant> -ClientSecret <secret>, or -Identity (managed identity)."
                : "A pipeline signs in without a person: Connect-PfaAzureDevOps -AccessToken <token> -Organization <name> (for example Azure Pipelines' $(System.AccessToken)).";
            string accept = entra ? "sign in" : "click Accept";
            if (!CanListenOnLoopback(callback))
            {
                throw new PfaException(
                    ErrorIds.CallbackAddressPromptUnavailable,
                    PfaErrorKind.InvalidOperation,
                    $"The callback URL '{callback.AbsoluteUri}' is not on this machine, so Connect-PfaAzureDevOps would have to ask for the address the browser ends on, and this session is non-interactive: nothing was signed in. To sign in as a person from a script, run Connect-PfaAzureDevOps -NoBrowser to get the sign-in link, open it and {accept}, then run Connect-PfaAzureDevOps -CallbackUri '<the address the browser ended on>' (within {PendingAuthorization.Lifetime.TotalMinutes:0} minutes). {pipeline}",
                    callback.AbsoluteUri);
            }

            if (!BrowserLauncher.CanOpen())
            {
                throw new PfaException(
                    ErrorIds.BrowserUnavailable,
                    PfaErrorKind.ResourceUnavailable,
                    $"This non-interactive session has no browser (no desktop and no $env:BROWSER), so nobody could {accept}: nothing was signed in. Set $env:BROWSER to a command that opens a URL, or run Connect-PfaAzureDevOps -NoBrowser and open the printed link yourself before -TimeoutSeconds ends. {pipeline}",
                    callback.AbsoluteUri);
            }
        }

        /// <summary>
        /// Shows the link, opens the browser and waits for its redirect on 127.0.0.1 (Ctrl+C stops). A browser command
        /// that ends at once with a non-zero exit code is reported as soon as it is noticed (see <see cref="ReportBrowserFailure"/>).
        /// </summary>
        public static async Task<Uri> ReceiveRedirectAsync(Uri signInUrl, Uri callback, string? expectedState, string linkText, SignInRequest request, ISignInUser user, CancellationToken cancellationToken)
        {
            using (LoopbackListener listener = LoopbackListener.Start(callback))
            {
                listener.ExpectedState = expectedState;
                ShowLink(signInUrl, linkText, user);
                using (OpenedBrowser? browser = OpenBrowser(signInUrl, request, user))
                {
                    user.Verbose($"Waiting up to {request.Timeout.TotalSeconds:0} seconds for the browser to come back to {callback.GetLeftPart(UriPartial.Path)} (listening on 127.0.0.1:{callback.Port} only).");
                    user.Show($"Waiting for you to click Accept in the browser (up to {request.Timeout.TotalSeconds:0} s; Ctrl+C stops).");
                    Task<Uri> received = listener.WaitAsync(request.Timeout, cancellationToken);
                    Task<BrowserFailure?>? early = browser?.WaitForEarlyFailureAsync(OpenedBrowser.EarlyExitWindow, cancellationToken);
                    Stopwatch watch = Stopwatch.StartNew();
                    try
                    {
                        while (!received.IsCompleted)
                        {
                            if (early != null && early.IsCompleted)
                            {
                                BrowserFailure? failure = await early.ConfigureAwait(false);
                                early = null;
                                if (failure != null)
                                {
                                    ReportBrowserFailure(failure, signInUrl, user);
                                }
                            }

                            user.Waiting(watch.Elapsed, request.Timeout);
                            Task tick = Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                            await (early is null ? Task.WhenAny(received, tick) : Task.WhenAny(received, tick, early)).ConfigureAwait(false);
                        }
                    }
                    finally
                    {
                        user.WaitingDone();
                    }

                    return await received.ConfigureAwait(false);
                }
            }
        }

        /// <summary>
        /// The paste path: shows the link and opens the browser; an interactive person pastes the address the browser
        /// ended on; a script (only with -NoBrowser, see <see cref="RequireSomeoneToAnswer"/>) is told how to finish with
        /// -CallbackUri (null is returned).
        /// </summary>
        public static Uri? AskForAddress(Uri signInUrl, Uri callback, string linkText, string afterSignIn, SignInRequest request, ISignInUser user, CancellationToken cancellationToken)
        {
            ShowLink(signInUrl, linkText, user);
            using (OpenedBrowser? browser = OpenBrowser(signInUrl, request, user))
            {
                // Before the prompt, which holds the pipeline thread: a browser that fails does so within the window.
                BrowserFailure? failure = browser?.WaitForEarlyFailureAsync(OpenedBrowser.EarlyExitWindow, cancellationToken).GetAwaiter().GetResult();
                if (failure != null)
                {
                    ReportBrowserFailure(failure, signInUrl, user);
                }
            }

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

        /// <summary>
        /// Opens the system browser (or $BROWSER) unless -NoBrowser; says so when it cannot. Returns the browser started,
        /// for the caller to watch and dispose (null when none was).
        /// </summary>
        public static OpenedBrowser? OpenBrowser(Uri url, SignInRequest request, ISignInUser user)
        {
            if (request.NoBrowser)
            {
                return null;
            }

            if (!BrowserLauncher.CanOpen())
            {
                user.Warning("No browser can be opened in this session (no desktop and no $env:BROWSER): open the link above in a browser yourself.");
                return null;
            }

            OpenedBrowser? started = BrowserLauncher.Open(url);
            if (started is null)
            {
                ReportBrowserFailure(new BrowserFailure(BrowserLauncher.CommandName(), null, null), url, user);
                return null;
            }

            user.Verbose($"Opened the sign-in page with {started.Command}.");
            return started;
        }

        /// <summary>
        /// A browser command that could not start or ended at once with a non-zero exit code: a person is warned (with the
        /// exit code, its last error line and the link to open by hand) while the sign-in goes on waiting; in a
        /// non-interactive session, where nobody could open the link, the sign-in fails at once with BrowserCommandFailed.
        /// </summary>
        public static void ReportBrowserFailure(BrowserFailure failure, Uri url, ISignInUser user)
        {
            if (!user.CanPrompt)
            {
                throw new PfaException(
                    ErrorIds.BrowserCommandFailed,
                    PfaErrorKind.ResourceUnavailable,
                    $"{failure.Describe()}, and in this non-interactive session nobody can open the sign-in link by hand: nothing was signed in. Set $env:BROWSER to a command that opens the URL it is given, or run Connect-PfaAzureDevOps -NoBrowser and open the printed link yourself before -TimeoutSeconds ends.",
                    failure.Command);
            }

            user.Warning($"{failure.Describe()}. Open this link in a browser yourself (still waiting; Ctrl+C stops): {url.AbsoluteUri}");
        }

        private static void ShowLink(Uri url, string text, ISignInUser user)
        {
            user.Show(text);
            user.Show(url.AbsoluteUri);
        }
    }
}
