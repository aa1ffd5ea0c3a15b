using System;

namespace PfaAzureDevOps.Core.SignIn
{
    /// <summary>
    /// An <see cref="ISignInUser"/> made of delegates. The cmdlet fills it in a method body instead of implementing the
    /// interface with a class of its own: a cmdlets-assembly type that implements an engine interface would load the
    /// engine whenever that assembly's types are loaded (module analysis, help), breaking the import invariant.
    /// </summary>
    public sealed class SignInCallbacks : ISignInUser
    {
        public bool CanPrompt { get; set; }

        public Func<string, string, bool> OnConfirm { get; set; } = (_, __) => false;

        public Action<string> OnShow { get; set; } = _ => { };

        public Action<string> OnVerbose { get; set; } = _ => { };

        public Action<string> OnWarning { get; set; } = _ => { };

        public Action<string>? OnDeviceCode { get; set; }

        public Func<string, string?> OnReadLine { get; set; } = _ => null;

        public Action<TimeSpan, TimeSpan> OnWaiting { get; set; } = (_, __) => { };

        public Action OnWaitingDone { get; set; } = () => { };

        public bool Confirm(string target, string action) => OnConfirm(target, action);

        public void Show(string text) => OnShow(text);

        public void Verbose(string message) => OnVerbose(message);

        public void Warning(string message) => OnWarning(message);

        public void ShowDeviceCode(string message) => (OnDeviceCode ?? OnWarning)(message);

        public string? ReadLine(string prompt) => OnReadLine(prompt);

        public void Waiting(TimeSpan elapsed, TimeSpan timeout) => OnWaiting(elapsed, timeout);

        public void WaitingDone() => OnWaitingDone();
    }
}
