using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using PfaAzureDevOps.Core.Platform;

namespace PfaAzureDevOps.Core.Interaction
{
    /// <summary>
    /// Opens a URL for the user: the command(s) in $BROWSER when set (the convention gh and xdg-open follow:
    /// a ':'-separated list, '%s' replaced by the URL, else the URL appended), otherwise the system browser.
    /// </summary>
    public static class BrowserLauncher
    {
        public const string BrowserVariable = "BROWSER";

        /// <summary>True when $BROWSER names a command; such sessions may open a browser even without a desktop.</summary>
        public static bool HasBrowserOverride => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(BrowserVariable));

        /// <summary>Whether a browser can be expected here at all (a desktop session, or $BROWSER).</summary>
        public static bool CanOpen()
        {
            if (HasBrowserOverride || RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
            {
                return true;
            }

            return !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY"));
        }

        /// <summary>The program <see cref="Open"/> would start (the first word of $BROWSER, or the platform opener), for messages.</summary>
        public static string CommandName()
        {
            string? configured = Environment.GetEnvironmentVariable(BrowserVariable);
            if (!string.IsNullOrWhiteSpace(configured))
            {
                foreach (string entry in configured!.Split(new[] { RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? ';' : ':' }, StringSplitOptions.RemoveEmptyEntries))
                {
                    List<string> words = SplitCommand(entry.Trim());
                    if (words.Count > 0)
                    {
                        return words[0];
                    }
                }
            }

            return RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "the default browser" : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "open" : "xdg-open";
        }

        /// <summary>
        /// Starts the browser and returns it (its process may end at once: see <see cref="OpenedBrowser.WaitForEarlyFailureAsync"/>),
        /// or null if none could start.
        /// </summary>
        public static OpenedBrowser? Open(Uri url)
        {
            string target = url.AbsoluteUri;
            string? configured = Environment.GetEnvironmentVariable(BrowserVariable);
            if (!string.IsNullOrWhiteSpace(configured))
            {
                foreach (string entry in configured!.Split(new[] { RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? ';' : ':' }, StringSplitOptions.RemoveEmptyEntries))
                {
                    List<string> words = SplitCommand(entry.Trim());
                    if (words.Count == 0)
                    {
                        continue;
                    }

                    bool substituted = false;
                    var arguments = new List<string>();
                    for (int i = 1; i < words.Count; i++)
                    {
                        substituted |= words[i].Contains("%s");
                        arguments.Add(words[i].Replace("%s", target));
                    }

                    if (!substituted)
                    {
                        arguments.Add(target);
                    }

                    // Its output is read and dropped, never shared with our terminal: .NET on Unix puts the terminal back
                    // into line mode while a child that shares it runs, so PowerShell's progress bar then waits for a
                    // cursor-position answer that never comes (Connect froze and ignored Ctrl+C, and "^[[27;1R" appeared).
                    Process? started = ChildProcess.TryStart(words[0], arguments, discardOutput: true, readErrors: true);
                    if (started != null)
                    {
                        return new OpenedBrowser(words[0], started, target);
                    }
                }

                return null;
            }

            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                // The shell opens the URL with the user's default browser (no standard input to redirect there). The
                // process it may return is not watched: a launcher's exit code is no contract on Windows (one that hands
                // the URL to a running browser may end with any code), so only a failure to start counts.
                try
                {
                    Process.Start(new ProcessStartInfo(target) { UseShellExecute = true })?.Dispose();
                    return new OpenedBrowser("the default browser", null, target, readErrors: false);
                }
                catch (Exception ex) when (ex is Win32Exception || ex is InvalidOperationException)
                {
                    return null;
                }
            }

            // xdg-open and open report on their own output, which the user need not see.
            string opener = RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "open" : "xdg-open";
            Process? opened = ChildProcess.TryStart(opener, new[] { target }, discardOutput: true, readErrors: true);
            return opened is null ? null : new OpenedBrowser(opener, opened, target);
        }

        private static List<string> SplitCommand(string command)
        {
            var words = new List<string>();
            var current = new System.Text.StringBuilder();
            char quote = '\0';
            foreach (char c in command)
            {
                if (quote != '\0')
                {
                    if (c == quote)
                    {
                        quote = '\0';
                    }
                    else
                    {
                        current.Append(c);
                    }
                }
                else if (c == '"' || c == '\'')
                {
                    quote = c;
                }
                else if (char.IsWhiteSpace(c))
                {
                    if (current.Length > 0)
                    {
                        words.Add(current.ToString());
                        current.Clear();
                    }
                }
                else
                {
                    current.Append(c);
                }
            }

            if (current.Length > 0)
            {
                words.Add(current.ToString());
            }

            return words;
        }
    }
}
