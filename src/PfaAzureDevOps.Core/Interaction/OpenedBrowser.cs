using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace PfaAzureDevOps.Core.Interaction
{
    /// <summary>
    /// A browser command <see cref="BrowserLauncher"/> started ($BROWSER, xdg-open or open; never Windows' shell launcher):
    /// watched for a few seconds so a command that ends at once
    /// with a non-zero exit code (not found, bad arguments, xdg-open with nothing to open) is noticed while the sign-in
    /// still waits. Its standard error comes through a pipe (never our terminal); only its last line is kept, bounded,
    /// without control characters and with the link itself replaced, so nothing it prints can reach a stream unchecked.
    /// </summary>
    public sealed class OpenedBrowser : IDisposable
    {
        /// <summary>How long after the start an exit counts as "at once".</summary>
        public static readonly TimeSpan EarlyExitWindow = TimeSpan.FromSeconds(3);

        /// <summary>The longest stderr line kept (characters); the rest is cut.</summary>
        public const int MaxErrorLineLength = 200;

        private readonly Process? _process;
        private readonly string _url;
        private readonly Task _errors;
        private readonly CancellationTokenSource _disposed = new CancellationTokenSource();
        private volatile string? _lastErrorLine;

        internal OpenedBrowser(string command, Process? process, string url, bool readErrors = true)
        {
            Command = command;
            _process = process;
            _url = url;
            _errors = process != null && readErrors ? PumpErrorsAsync(process.StandardError) : Task.CompletedTask;
        }

        /// <summary>The command that was started (its program only, never the URL).</summary>
        public string Command { get; }

        /// <summary>The process started and watched; null on Windows' default-browser path (its launcher is not watched).</summary>
        public Process? Process => _process;

        /// <summary>
        /// Waits until the command ends or <paramref name="window"/> passes: the failure when it ended with a non-zero exit
        /// code, else null (still running, handed over and ended with 0, nothing to watch, or this object was disposed
        /// meanwhile: the watch then stops at once). Cancelling <paramref name="cancellationToken"/> throws OperationCanceledException.
        /// </summary>
        public async Task<BrowserFailure?> WaitForEarlyFailureAsync(TimeSpan window, CancellationToken cancellationToken)
        {
            if (_process is null)
            {
                return null;
            }

            Stopwatch watch = Stopwatch.StartNew();
            try
            {
                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token))
                {
                    while (!HasExited() && watch.Elapsed < window)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(100), linked.Token).ConfigureAwait(false);
                    }

                    if (_disposed.IsCancellationRequested || !HasExited())
                    {
                        return null;
                    }

                    int code = _process.ExitCode;
                    if (code == 0)
                    {
                        return null;
                    }

                    // Its last words: a child it started may still hold the pipe, so wait a moment only.
                    await Task.WhenAny(_errors, Task.Delay(TimeSpan.FromMilliseconds(500), linked.Token)).ConfigureAwait(false);
                    return new BrowserFailure(Command, code, _lastErrorLine);
                }
            }
            catch (Exception ex) when (_disposed.IsCancellationRequested && !cancellationToken.IsCancellationRequested && (ex is OperationCanceledException || ex is InvalidOperationException || ex is ObjectDisposedException))
            {
                // Disposed while watching: the process object is gone, so there is nothing left to tell.
                return null;
            }
        }

        /// <summary>Disposes the process object and stops a watch still running (<see cref="WaitForEarlyFailureAsync"/> then returns null).</summary>
        public void Dispose()
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _disposed.Cancel();
            _process?.Dispose();
        }

        /// <summary>A line as it may be shown: no control characters (a terminal escape), the link named instead of repeated, bounded.</summary>
        internal static string? Clean(string line, string url)
        {
            var text = new StringBuilder(Math.Min(line.Length, MaxErrorLineLength + 1));
            foreach (char c in line.Replace(url, "<the link>"))
            {
                if (text.Length > MaxErrorLineLength)
                {
                    break;
                }

                text.Append(char.IsControl(c) ? ' ' : c);
            }

            string cleaned = text.ToString().Trim();
            if (cleaned.Length > MaxErrorLineLength)
            {
                cleaned = cleaned.Substring(0, MaxErrorLineLength) + "...";
            }

            return cleaned.Length == 0 ? null : cleaned;
        }

        private bool HasExited()
        {
            try
            {
                return _process!.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }

        /// <summary>Reads standard error to its end, keeping only the current line's first characters and the last line that says something (<see cref="SaysNothing"/>).</summary>
        private async Task PumpErrorsAsync(StreamReader reader)
        {
            const int MaxRead = MaxErrorLineLength * 4;
            char[] buffer = new char[1024];
            var line = new StringBuilder();
            try
            {
                int read;
                while ((read = await reader.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false)) > 0)
                {
                    for (int i = 0; i < read; i++)
                    {
                        if (buffer[i] == '\n' || buffer[i] == '\r')
                        {
                            Keep(line);
                        }
                        else if (line.Length < MaxRead)
                        {
                            line.Append(buffer[i]);
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is InvalidOperationException)
            {
                // The pipe broke or the process object was disposed: what was read is all there is.
            }

            Keep(line);
        }

        private void Keep(StringBuilder line)
        {
            if (line.Length == 0)
            {
                return;
            }

            string? cleaned = Clean(line.ToString(), _url);
            line.Clear();
            if (cleaned != null && !SaysNothing(cleaned))
            {
                _lastErrorLine = cleaned;
            }
        }

        /// <summary>
        /// Lines after the cause that would hide it: stack frames ("at ..."), the caret under a source line, and the
        /// version banner Node.js prints last after an uncaught error (a $BROWSER of 'node script.mjs' whose package is
        /// missing would otherwise be reported as "Node.js v20.20.2").
        /// </summary>
        internal static bool SaysNothing(string cleaned) =>
            cleaned.StartsWith("at ", StringComparison.Ordinal) ||
            cleaned.TrimEnd('^', ' ').Length == 0 ||
            System.Text.RegularExpressions.Regex.IsMatch(cleaned, @"^Node\.js v[0-9.]+$");
    }
}
