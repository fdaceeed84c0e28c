"""The sign-in window: e-mail and password in a small Tk dialog.

Returns what was typed (or None when cancelled); signing in itself is the caller's job, so the
dialog can be driven in tests and replaced by a terminal prompt where there is no display.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Typed:
    email: str
    password: str

    def __repr__(self) -> str:  # never show the password
        return f"Typed(email={self.email!r})"


def ask_credentials(server: str, message: str = "") -> Typed | None:
    """Show the dialog and wait; None when the user cancels or closes it."""
    import tkinter as tk
    from tkinter import ttk

    root = tk.Tk()
    root.title("TeamTreck: sign in")
    root.resizable(False, False)
    result: list[Typed] = []
    frame = ttk.Frame(root, padding=12)
    frame.grid()
    ttk.Label(frame, text=f"Sign in to {server}").grid(column=0, row=0, columnspan=2, pady=4)
    if message:
        ttk.Label(frame, text=message, foreground="#b00").grid(column=0, row=1, columnspan=2)
    email, password = tk.StringVar(), tk.StringVar()
    ttk.Label(frame, text="E-mail").grid(column=0, row=2, sticky="w")
    email_entry = ttk.Entry(frame, textvariable=email, width=32)
    email_entry.grid(column=1, row=2)
    ttk.Label(frame, text="Password").grid(column=0, row=3, sticky="w")
    ttk.Entry(frame, textvariable=password, show="•", width=32).grid(column=1, row=3)

    def submit(*_args: object) -> None:
        if email.get().strip() and password.get():
            result.append(Typed(email.get().strip(), password.get()))
            root.destroy()

    ttk.Button(frame, text="Sign in", command=submit).grid(column=1, row=4, sticky="e", pady=6)
    ttk.Button(frame, text="Cancel", command=root.destroy).grid(column=0, row=4, sticky="w")
    root.bind("<Return>", submit)
    root.bind("<Escape>", lambda _e: root.destroy())
    email_entry.focus_set()
    root.mainloop()
    return result[0] if result else None
