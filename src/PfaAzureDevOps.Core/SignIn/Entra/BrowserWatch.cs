using System;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Interaction;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>
    /// Watches the browser MSAL's interactive sign-in opened, in the background, for <see cref="OpenedBrowser.EarlyExitWindow"/>:
    /// when it ends at once with a non-zero exit code, <see cref="Failure"/> says so and <see cref="Failed"/> is cancelled
    /// (linked into MSAL's wait). <see cref="StopAsync"/> ends the watch and disposes the browser's process object.
    /// </summary>
    internal sealed class BrowserWatch : IDisposable
    {
        private readonly CancellationTokenSource _failed = new CancellationTokenSource();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private Task _watching = Task.CompletedTask;
        private volatile BrowserFailure? _failure;

        /// <summary>Cancelled when the browser failed at once.</summary>
        public CancellationToken Failed => _failed.Token;

        /// <summary>Why the browser failed; null while it did not.</summary>
        public BrowserFailure? Failure => _failure;

        /// <summary>Starts watching <paramref name="browser"/> (owned from now on); returns at once.</summary>
        public void Watch(OpenedBrowser browser)
        {
            _watching = WatchAsync(browser);
        }

        /// <summary>Ends the watch (if still running) and waits for it; never throws.</summary>
        public async Task StopAsync()
        {
            _stop.Cancel();
            try
            {
                await _watching.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped while waiting: nothing to report.
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _failed.Dispose();
            _stop.Dispose();
        }

        private async Task WatchAsync(OpenedBrowser browser)
        {
            using (browser)
            {
                BrowserFailure? failure = await browser.WaitForEarlyFailureAsync(OpenedBrowser.EarlyExitWindow, _stop.Token).ConfigureAwait(false);
                if (failure != null && !_stop.IsCancellationRequested)
                {
                    _failure = failure;
                    _failed.Cancel();
                }
            }
        }
    }
}
