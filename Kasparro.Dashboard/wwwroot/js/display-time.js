// The dashboard's time setting: whether times read in UTC or the browser's local time, remembered in localStorage,
// and the browser's time zone the server converts to (a Blazor Server circuit does not know it otherwise).
export function read(key) {
    return {
        choice: localStorage.getItem(key),
        zone: Intl.DateTimeFormat().resolvedOptions().timeZone ?? null,
        offsetMinutes: -new Date().getTimezoneOffset(),
    };
}

export function remember(key, choice) {
    localStorage.setItem(key, choice);
}
