using System;

namespace PfaAzureDevOps.Core.SignIn
{
    /// <summary>
    /// How a sign-in talks to the person (or script) running it. The engine decides what to say and when; the cmdlet
    /// implements the channel (information stream, verbose, warnings, progress, ShouldProcess, the host's ReadLine).
    /// May be called from any thread.
    /// </summary>
    public interface ISignInUser
    {
        /// <summary>Whether a person can answer a question in this session (interactive host, not redirected).</summary>
        bool CanPrompt { get; }

        /// <summary>ShouldProcess: false when declined or under -WhatIf; may throw where nobody can confirm.</summary>
        bool Confirm(string target, string action);

        /// <summary>A line for the person (the sign-in link, what to do next).</summary>
        void Show(string text);

        void Verbose(string message);

        void Warning(string message);

        /// <summary>The device code and where to enter it.</summary>
        void ShowDeviceCode(string message);

        /// <summary>Asks for a line of text (only called when <see cref="CanPrompt"/>); null when nothing was typed.</summary>
        string? ReadLine(string prompt);

        /// <summary>A tick while waiting for the browser (about once a second).</summary>
        void Waiting(TimeSpan elapsed, TimeSpan timeout);

        /// <summary>The wait for the browser is over.</summary>
        void WaitingDone();
    }
}
